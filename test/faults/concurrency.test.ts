/**
 * Real processes at the same time on one workspace: Ctrl-C in the middle of a send, two sends of
 * the same event started together, and codes reset while a send is running. The database's
 * leases and code versions — not a lock file a crash would leave behind — keep them apart.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { groupCode } from "../../src/domain/codes.js";
import { attendeeCsv, bareMessageId, inspect, sandbox, type Sandbox } from "../helpers/faults.js";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";
import { openCode } from "../helpers/codes.js";

let box: Sandbox | undefined;
let smtp: TestSmtp | undefined;
afterEach(async () => {
  await smtp?.close();
  box?.remove();
  smtp = undefined;
  box = undefined;
});

async function workspaceWith(count: number, delayMs: number): Promise<[Sandbox, TestSmtp]> {
  smtp = await startSmtp({ delayMs });
  box = sandbox("concurrent", { EVCRED_SMTP_URL: smtp.url, EVCRED_SMTP_RETRY_MS: "5" });
  writeFileSync(join(box.dir, "a.csv"), attendeeCsv(count));
  expect((await box.run(["import", "a.csv", "--event", "ev", "--yes"])).code).toBe(0);
  expect((await box.run(["event", "update", "--from", "team@example.com"])).code).toBe(0);
  return [box, smtp];
}

interface Delivery {
  email: string;
  status: string;
  version: number;
  messageId: string | null;
}

function deliveries(db: string): Delivery[] {
  return inspect(
    db,
    (sqlite) =>
      sqlite
        .prepare(
          `SELECT a.email, d.status, d.code_version AS version, d.message_id AS messageId
           FROM deliveries d JOIN attendees a ON a.id = d.attendee_id ORDER BY d.id`,
        )
        .all() as Delivery[],
  );
}

function receivedIds(server: TestSmtp): string[] {
  return server.received.map((m) => bareMessageId(m.parsed.messageId)).sort();
}

function sentIds(db: string): string[] {
  return deliveries(db)
    .filter((d) => d.status === "sent")
    .map((d) => bareMessageId(d.messageId))
    .sort();
}

function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (!condition()) return;
      clearInterval(poll);
      resolve();
    }, 2);
  });
}

async function codeOf(b: Sandbox, email: string): Promise<string> {
  return openCode(b.db, b.env.EVCRED_KEY_FILE ?? "", email);
}

describe("Ctrl-C during send", () => {
  it("finishes and records the messages in flight, exits 130, and a rerun sends only the rest", async () => {
    const [b, server] = await workspaceWith(40, 300);
    const run = b.start(["send", "--template", "credentials", "--yes", "--json"]);
    await until(() => server.dataStarted.length >= 3);
    const inFlight = [...server.dataStarted];
    run.child.kill("SIGINT");
    const result = await run.done;
    expect(result.signal).toBeNull();
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain("interrupted:");
    expect(result.stderr).toContain("rerun the same command to send the rest");
    expect(JSON.parse(result.stdout)).toMatchObject({ interrupted: true });

    // What was on the wire when Ctrl-C came was finished, and recorded as sent.
    const received = server.received.map((m) => m.to);
    for (const to of inFlight) expect(received).toContain(to);
    expect(sentIds(b.db)).toEqual(receivedIds(server));
    expect(deliveries(b.db).filter((d) => d.status !== "sent")).toEqual([]);
    expect(received.length).toBeLessThan(40);

    const rerun = await b.run(["send", "--template", "credentials", "--yes", "--json"]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ sent: 40 - received.length });
    const all = server.received.map((m) => m.to);
    expect(new Set(all).size).toBe(40);
    expect(all).toHaveLength(40); // nobody twice: a graceful stop leaves nothing in doubt
    expect(sentIds(b.db)).toEqual(receivedIds(server));
  }, 60_000);
});

describe("two sends of the same event at once", () => {
  it("never mail the same attendee twice: the leases in the database keep them apart", async () => {
    const [b, server] = await workspaceWith(80, 10);
    const argv = ["send", "--template", "credentials", "--yes", "--json"];
    const [one, two] = await Promise.all([b.start(argv).done, b.start(argv).done]);
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    const sums = [one, two].map((r) => JSON.parse(r.stdout) as { sent: number; skipped: number });
    expect((sums[0]?.sent ?? 0) + (sums[1]?.sent ?? 0)).toBe(80);
    const to = server.received.map((m) => m.to);
    expect(to).toHaveLength(80);
    expect(new Set(to).size).toBe(80);
    expect(sentIds(b.db)).toEqual(receivedIds(server));
    expect(deliveries(b.db).filter((d) => d.status !== "sent")).toEqual([]);
  }, 60_000);
});

describe("reset-code while a send runs", () => {
  it("never records a message with an old code as covering the new one; the next send delivers the new code", async () => {
    // 120 attendees are claimed in chunks of 40 as the send goes: some targets are claimed
    // before their reset commits (their message has the old code), some after (the new one).
    const [b, server] = await workspaceWith(120, 100);
    const targets = [0, 39, 60, 119].map((i) => `person${i}@example.com`);
    const old = new Map(
      await Promise.all(targets.map(async (t) => [t, await codeOf(b, t)] as const)),
    );
    const send = b.start(["send", "--template", "credentials", "--yes"]);
    await until(() => server.dataStarted.length >= 1);
    const resets = await Promise.all(
      targets.map((t) => b.run(["reset-code", t, "--generate", "--yes"])),
    );
    for (const r of resets) expect(r.code, r.stderr).toBe(0);
    const sent = await send.done;
    expect(sent.code, sent.stderr).toBe(0);
    const fresh = new Map(
      await Promise.all(targets.map(async (t) => [t, await codeOf(b, t)] as const)),
    );

    // Every message names the code of the version its delivery records.
    const byId = new Map(server.received.map((m) => [bareMessageId(m.parsed.messageId), m]));
    for (const d of deliveries(b.db).filter((x) => targets.includes(x.email))) {
      if (d.status !== "sent") continue;
      const text = byId.get(bareMessageId(d.messageId))?.parsed.text ?? "";
      const expected = d.version === 1 ? old.get(d.email) : fresh.get(d.email);
      expect(text, `${d.email} v${d.version}`).toContain(groupCode(expected ?? "?"));
    }

    // Whoever got the old code is due again; the next send gives them the new one.
    const rerun = await b.run(["send", "--template", "credentials", "--yes", "--json"]);
    expect(rerun.code, rerun.stderr).toBe(0);
    for (const t of targets) {
      const last = server.received.filter((m) => m.to === t).at(-1);
      expect(last?.parsed.text, t).toContain(groupCode(fresh.get(t) ?? "?"));
      const current = deliveries(b.db).filter(
        (d) => d.email === t && d.status === "sent" && d.version === 2,
      );
      expect(current, t).toHaveLength(1);
    }
    expect(sentIds(b.db)).toEqual(receivedIds(server));
  }, 60_000);
});
