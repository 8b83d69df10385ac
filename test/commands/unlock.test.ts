import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lockEndText } from "../../src/render/time.js";
import { openCode } from "../helpers/codes.js";
import { runBin } from "../helpers/spawn.js";
import { benchPerTest, SAMPLE_CSV, TEST_ARGON2, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();

interface ListJson {
  attendees: { email: string; lockedUntil: string | null }[];
}

async function imported(b: TestBench): Promise<void> {
  b.file("a.csv", SAMPLE_CSV);
  const r = await b.run(["import", "a.csv", "--event", "summit", "--yes"]);
  expect(r.code, r.stderr).toBe(0);
}

/** Five wrong codes a minute apart from 09:00: locked until 09:15. */
async function lockOut(b: TestBench, email = "ada@example.com"): Promise<void> {
  for (let i = 0; i < 5; i++) {
    expect((await b.run(["verify", email, "WRONGCODE2"])).code).toBe(1);
    b.advance(60_000);
  }
}

const verify = async (b: TestBench, email = "ada@example.com") =>
  (await b.run(["verify", email, await b.codeOf(email)])).code;

describe("a locked attendee at the help desk", () => {
  it("attendees show says until when, in a time zone named; --json gives lockedUntil in UTC", async () => {
    const b = bench();
    await imported(b);
    const before = await b.run(["attendees", "show", "ada@example.com", "--json"]);
    expect(before.json()).toMatchObject({ lockedUntil: null });
    expect((await b.run(["attendees", "show", "ada@example.com"])).stdout).not.toContain("locked");
    await lockOut(b);
    const human = await b.run(["attendees", "show", "ada@example.com"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(
      `login        locked until ${lockEndText("2026-05-04T09:15:00.000Z", null)} after too many failed attempts; \`evcred unlock ada@example.com\` lifts it now`,
    );
    const json = await b.run(["attendees", "show", "ada@example.com", "--json"]);
    expect(json.json()).toMatchObject({ lockedUntil: "2026-05-04T09:15:00.000Z" });
    // Once the window has passed, nothing is said.
    b.now = new Date("2026-05-04T09:15:00.000Z");
    expect((await b.run(["attendees", "show", "ada@example.com"])).stdout).not.toContain("locked");
  });

  it("attendees list --status locked lists the locked ones; every row carries lockedUntil", async () => {
    const b = bench();
    await imported(b);
    const none = await b.run(["attendees", "list", "--status", "locked", "--json"]);
    expect(none.json<ListJson>().attendees).toEqual([]);
    await lockOut(b, "grace@example.com");
    // Four failures are not a lock.
    for (let i = 0; i < 4; i++) await b.run(["verify", "alan@example.com", "WRONGCODE2"]);
    const locked = await b.run(["attendees", "list", "--status", "locked", "--json"]);
    expect(locked.json<ListJson>().attendees.map((a) => [a.email, a.lockedUntil])).toEqual([
      ["grace@example.com", "2026-05-04T09:15:00.000Z"],
    ]);
    const all = await b.run(["attendees", "list", "--json"]);
    expect(all.json<ListJson>().attendees.map((a) => a.lockedUntil)).toEqual([
      null,
      "2026-05-04T09:15:00.000Z",
      null,
    ]);
    const human = await b.run(["attendees", "list", "--status", "locked"]);
    expect(human.stdout).toMatch(/grace@example.com\s+Grace Hopper\s+unsent, locked/);
    expect(human.stderr).toContain("1 attendee in summit");
  });

  it("evcred unlock lifts the lock now: the right code works again, and it is audited", async () => {
    const b = bench();
    await imported(b);
    await lockOut(b);
    expect(await verify(b)).toBe(1);
    const r = await b.run(["unlock", "ADA@example.com", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toEqual({
      event: "summit",
      email: "ada@example.com",
      unlocked: true,
      wasLockedUntil: "2026-05-04T09:15:00.000Z",
      lockedUntil: null,
    });
    expect(r.stderr).toContain(
      `ada@example.com can log in again; the lock would have held until ${lockEndText("2026-05-04T09:15:00.000Z", null)}`,
    );
    expect(await verify(b)).toBe(0);
    const list = await b.run(["attendees", "list", "--status", "locked", "--json"]);
    expect(list.json<ListJson>().attendees).toEqual([]);
    const audit = (await b.snapshot()).audit_log as {
      action: string;
      email: string;
      actor: string;
    }[];
    expect(audit).toContainEqual(
      expect.objectContaining({
        action: "attendee.unlock",
        email: "ada@example.com",
        actor: "tester",
        summary: "verification lock lifted (it would have held until 09:15 (UTC))",
      }),
    );
    const log = await b.run(["log", "--attendee", "ada@example.com"]);
    expect(log.stdout).toContain("verification lock lifted");
  });

  it("the unlock's audit entry gives the lock's end in the event's zone, to the minute", async () => {
    const b = bench();
    expect((await b.run(["event", "create", "Cumbre", "--slug", "summit"])).code).toBe(0);
    expect((await b.run(["event", "update", "--timezone", "Europe/Madrid"])).code).toBe(0);
    await imported(b);
    await lockOut(b);
    expect((await b.run(["unlock", "ada@example.com"])).code).toBe(0);
    const log = await b.run(["log", "--attendee", "ada@example.com"]);
    expect(log.stdout).toContain(
      "verification lock lifted (it would have held until 11:15 (Europe/Madrid))",
    );
    expect(log.stdout).not.toMatch(/\d{2}:\d{2}:\d{2}\.\d{3}Z/);
  });

  it("an attendee removed and imported again starts unlocked: the old failures were another code's", async () => {
    const b = bench();
    await imported(b);
    await lockOut(b);
    expect((await b.run(["attendees", "remove", "ada@example.com", "--yes"])).code).toBe(0);
    await imported(b);
    const list = await b.run(["attendees", "list", "--status", "locked", "--json"]);
    expect(list.json<ListJson>().attendees).toEqual([]);
    expect(await verify(b)).toBe(0);
  });

  it("after an unlock only new failures count: five more lock again", async () => {
    const b = bench();
    await imported(b);
    await lockOut(b);
    await b.run(["unlock", "ada@example.com"]);
    // In the same millisecond as the unlock: what counts is the order of the attempts, not the clock.
    for (let i = 0; i < 4; i++) await b.run(["verify", "ada@example.com", "WRONGCODE2"]);
    expect(await verify(b)).toBe(0);
    await b.run(["verify", "ada@example.com", "WRONGCODE2"]);
    expect(await verify(b)).toBe(1);
  });

  it("an attendee who is not locked is left as they are (exit 0, nothing changed)", async () => {
    const b = bench();
    await imported(b);
    for (let i = 0; i < 3; i++) await b.run(["verify", "ada@example.com", "WRONGCODE2"]);
    const before = await b.snapshot();
    const r = await b.run(["unlock", "ada@example.com"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("ada@example.com is not locked; nothing changed");
    expect(await b.snapshot()).toEqual(before);
  });

  it("refuses an unknown attendee, suggesting close ones (exit 2, nothing changed)", async () => {
    const b = bench();
    await imported(b);
    await lockOut(b);
    const before = await b.snapshot();
    const r = await b.run(["unlock", "ada@exmaple.com"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: no attendee ada@exmaple.com in summit");
    expect(r.stderr).toContain("did you mean: ada@example.com (Ada Lovelace)?");
    expect(await b.snapshot()).toEqual(before);
    const missing = await b.run(["unlock"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'email'");
    // Not an email at all (a code typed in its place, say): said so, and not echoed.
    const notEmail = await b.run(["unlock", "K7QM-4XPD-2W"]);
    expect(notEmail.code).toBe(2);
    expect(notEmail.stderr).toContain("EMAIL: that is not an email address");
    expect(notEmail.stderr).not.toContain("K7QM");
    expect(await b.snapshot()).toEqual(before);
  });

  it("a reset-code lifts the lock: the new code works at once", async () => {
    const b = bench();
    await imported(b);
    await lockOut(b);
    const reset = await b.run(["reset-code", "ada@example.com", "--generate", "--yes"]);
    expect(reset.code, reset.stderr).toBe(0);
    expect(await verify(b)).toBe(0);
  });

  it("has help with examples", async () => {
    const b = bench();
    const r = await b.run(["unlock", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: evcred unlock [options] <email>");
    expect(r.stdout).toContain("$ evcred unlock ada@example.com");
    expect((await b.run(["--help"])).stdout).toMatch(
      /unlock\s+lift an attendee's verification lock/,
    );
  });
});

describe("the lock across processes", () => {
  it("is lifted for every process: bin/evcred.cjs runs lock, unlock and verify in turn", async () => {
    const dir = mkdtempSync(join(tmpdir(), "evcred-unlock-"));
    try {
      const env = {
        HOME: dir,
        EVCRED_KEY_FILE: join(dir, "master.key"),
        EVCRED_ARGON2: TEST_ARGON2,
        NO_COLOR: "1",
      };
      const run = (args: string[]) => runBin(args, { cwd: dir, env });
      const b = bench();
      b.file("a.csv", SAMPLE_CSV);
      expect((await run(["import", b.path("a.csv"), "--event", "summit", "--yes"])).code).toBe(0);
      for (let i = 0; i < 5; i++) await run(["verify", "ada@example.com", "WRONGCODE2"]);
      const code = await openCode(join(dir, "evcred.db"), env.EVCRED_KEY_FILE, "ada@example.com");
      expect((await run(["verify", "ada@example.com", code])).code).toBe(1);
      const shown = await run(["attendees", "show", "ada@example.com", "--json"]);
      expect((JSON.parse(shown.stdout) as { lockedUntil: string | null }).lockedUntil).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
      );
      expect((await run(["unlock", "ada@example.com"])).code).toBe(0);
      expect((await run(["verify", "ada@example.com", code])).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
