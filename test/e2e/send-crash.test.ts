/**
 * SIGKILL in the middle of a real `evcred send` process: the workspace stays sound, nothing the
 * server did not receive is marked sent, and a rerun sends the rest with at most the messages
 * that were in flight going twice.
 */
import Database from "better-sqlite3";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { BIN, runBin } from "../helpers/spawn.js";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";
import { TEST_ARGON2 } from "../helpers/workspace.js";

const ATTENDEES = 60;
/** 5 pooled connections x 2 messages each in flight: the most that can go twice. */
const IN_FLIGHT = 10;

let dir: string | undefined;
let smtp: TestSmtp | undefined;
afterEach(async () => {
  await smtp?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("SIGKILL during send", () => {
  it("loses nothing and a rerun finishes the job", async () => {
    dir = mkdtempSync(join(tmpdir(), "evcred-crash-"));
    const rows = Array.from({ length: ATTENDEES }, (_, i) => `person${i}@example.com,P${i},Crash`);
    writeFileSync(join(dir, "a.csv"), `email,first_name,last_name\n${rows.join("\n")}\n`);
    smtp = await startSmtp({ delayMs: 40 });
    const env = {
      HOME: dir,
      NO_COLOR: "1",
      EVCRED_KEY_FILE: join(dir, "key"),
      EVCRED_ARGON2: TEST_ARGON2,
      EVCRED_SMTP_URL: smtp.url,
      EVCRED_SMTP_RETRY_MS: "5",
    };
    const cwd = dir;
    expect(
      (await runBin(["import", "a.csv", "--event", "crash", "--yes"], { cwd, env })).code,
    ).toBe(0);
    expect(
      (await runBin(["event", "update", "--from", "team@example.com"], { cwd, env })).code,
    ).toBe(0);

    const server = smtp;
    const child = spawn(process.execPath, [BIN, "send", "--template", "credentials", "--yes"], {
      cwd,
      env: { PATH: process.env.PATH, ...env },
    });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (server.received.length >= ATTENDEES / 4) {
          clearInterval(poll);
          child.kill("SIGKILL");
          resolve();
        }
      }, 5);
    });
    await new Promise((resolve) => child.on("close", resolve));
    const receivedBeforeRerun = new Set(server.received.map((m) => m.to));
    expect(receivedBeforeRerun.size).toBeLessThan(ATTENDEES);

    const db = new Database(join(dir, "evcred.db"));
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      expect((db.prepare("SELECT count(*) AS n FROM attendees").get() as { n: number }).n).toBe(
        ATTENDEES,
      );
      const markedSent = db
        .prepare(
          "SELECT a.email FROM deliveries d JOIN attendees a ON a.id = d.attendee_id WHERE d.status = 'sent'",
        )
        .all() as { email: string }[];
      for (const { email } of markedSent) expect(receivedBeforeRerun.has(email), email).toBe(true);
    } finally {
      db.close();
    }

    const rerun = await runBin(["send", "--template", "credentials", "--yes", "--json"], {
      cwd,
      env,
      timeoutMs: 60_000,
    });
    expect(rerun.code, rerun.stderr).toBe(0);
    const counts = new Map<string, number>();
    for (const m of server.received) counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
    expect(counts.size).toBe(ATTENDEES);
    const twice = [...counts.values()].filter((n) => n > 1).length;
    expect(twice).toBeLessThanOrEqual(IN_FLIGHT);
    expect([...counts.values()].every((n) => n <= 2)).toBe(true);
    const again = await runBin(["send", "--template", "credentials", "--yes", "--json"], {
      cwd,
      env,
    });
    expect(JSON.parse(again.stdout)).toMatchObject({ sent: 0 });
  }, 90_000);
});
