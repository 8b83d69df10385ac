/**
 * The outbox folder: partial messages a killed send left behind (each holds a code) are removed
 * by the next send or doctor, and a folder evcred did not create keeps its mode — one open to
 * other users is refused, never chmodded.
 */
import { spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();
const HOST = hostname()
  .replace(/[^A-Za-z0-9-]/g, "_")
  .slice(0, 40);

async function imported(b: TestBench): Promise<void> {
  b.file("a.csv", SAMPLE_CSV);
  expect((await b.run(["import", "a.csv", "--event", "ev", "--yes"])).code).toBe(0);
}

/** What `kill -9` between the write and the rename leaves: a whole message, under its writer's pid. */
function leftBehind(outbox: string, name: string): string {
  const path = join(outbox, name);
  writeFileSync(path, "Subject: Your code\n\nAccess code: K7QM-4XHP-2W\n", { mode: 0o600 });
  return path;
}

describe("partial messages in the outbox", () => {
  it("are removed by the next send, unless their writer still runs", async () => {
    const b = bench();
    await imported(b);
    const outbox = b.path("outbox");
    mkdirSync(outbox, { mode: 0o700 });
    const dead = leftBehind(outbox, `2026-ada-1.eml.${HOST}-99999999.partial`);
    const older = leftBehind(outbox, "2026-grace-2.eml.partial"); // as evcred named them before
    const foreign = leftBehind(outbox, "2026-ada-4.eml.elsewhere-1.partial");
    const stale = leftBehind(outbox, "2026-ada-5.eml.elsewhere-2.partial");
    utimesSync(stale, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
    const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      const live = leftBehind(outbox, `2026-alan-3.eml.${HOST}-${sleeper.pid ?? 0}.partial`);
      const r = await b.run(["send", "--template", "credentials", "--yes"]);
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(older)).toBe(false);
      expect(existsSync(live)).toBe(true);
      // Another machine's (a shared folder): its pid means nothing here, its age does.
      expect(existsSync(foreign)).toBe(true);
      expect(existsSync(stale)).toBe(false);
      expect(readdirSync(outbox).filter((f) => f.endsWith(".eml"))).toHaveLength(3);
    } finally {
      sleeper.kill();
    }
  });

  it("are removed by doctor", async () => {
    const b = bench();
    await imported(b);
    const outbox = b.path("outbox");
    mkdirSync(outbox, { mode: 0o700 });
    const dead = leftBehind(outbox, `2026-ada-1.eml.${HOST}-99999999.partial`);
    const r = await b.run(["doctor"]);
    expect(r.code, r.stdout).toBe(0);
    expect(existsSync(dead)).toBe(false);
  });
});

describe("an outbox folder evcred did not create", () => {
  it("open to others: refused by send and doctor, its mode left as it was", async () => {
    const b = bench();
    await imported(b);
    const shared = b.path("shared");
    mkdirSync(shared);
    chmodSync(shared, 0o755);
    const env = { EVCRED_OUTBOX: shared };
    const send = await b.run(["send", "--template", "credentials", "--yes"], { env });
    expect(send.code).toBe(1);
    expect(send.stderr).toContain(`the outbox ${shared} is open to other users (mode 0755)`);
    const doctor = await b.run(["doctor"], { env });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain("is open to other users (mode 0755)");
    expect(statSync(shared).mode & 0o777).toBe(0o755);
    expect(readdirSync(shared)).toEqual([]);
  });

  it("private already: used as it is", async () => {
    const b = bench();
    await imported(b);
    const mine = b.path("mine");
    mkdirSync(mine, { mode: 0o700 });
    const r = await b.run(["send", "--template", "credentials", "--yes"], {
      env: { EVCRED_OUTBOX: mine },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(mine).filter((f) => f.endsWith(".eml"))).toHaveLength(3);
  });
});
