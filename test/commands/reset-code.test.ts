import { describe, expect, it } from "vitest";
import { groupCode } from "../../src/domain/codes.js";
import { lookAt } from "../helpers/look.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();
const EMAILS = ["ada@example.com", "grace@example.com", "alan@example.com"];

async function imported(b: TestBench): Promise<void> {
  b.file("attendees.csv", SAMPLE_CSV);
  const r = await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"]);
  expect(r.code, r.stderr).toBe(0);
}

async function verify(b: TestBench, email: string, code: string): Promise<number> {
  return (await b.run(["verify", email, code])).code;
}

async function codes(b: TestBench): Promise<Record<string, string>> {
  return Object.fromEntries(
    await Promise.all(EMAILS.map(async (e) => [e, await b.codeOf(e)] as const)),
  );
}

/** No code, current or former, in any output or in the audit log. */
async function expectNoCodeShown(b: TestBench, ...seen: string[]): Promise<void> {
  const audit = JSON.stringify((await b.snapshot()).audit_log);
  for (const code of seen) {
    for (const form of [code, groupCode(code), code.toLowerCase()]) {
      for (const text of b.transcript) expect(text).not.toContain(form);
      expect(audit).not.toContain(form);
    }
  }
}

async function row(b: TestBench, email: string): Promise<Record<string, unknown>> {
  const [found] = await lookAt<Record<string, unknown>>(
    b.db,
    'SELECT code_version AS "codeVersion", code_source AS "codeSource", code_changed_at AS "codeChangedAt" FROM attendees WHERE email = ?',
    [email],
  );
  if (!found) throw new Error(`no attendee ${email}`);
  return found;
}

describe("evcred reset-code --generate", () => {
  it("replaces the code: the old one is refused at once, the new one accepted", async () => {
    const b = bench();
    await imported(b);
    const before = await codes(b);
    const old = before["ada@example.com"] ?? "";
    b.advance(60_000);
    const r = await b.run(["reset-code", "ada@example.com", "--generate", "--yes", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toEqual({
      event: "summit-2026",
      email: "ada@example.com",
      codeSource: "generated",
      codeVersion: 2,
      codeChangedAt: "2026-05-04T09:01:00.000Z",
    });
    const fresh = await b.codeOf("ada@example.com");
    expect(fresh).not.toBe(old);
    expect(fresh).toMatch(/^[2-9A-HJKMNP-TV-Z]{10}$/);
    expect(await verify(b, "ada@example.com", old)).toBe(1);
    expect(await verify(b, "ada@example.com", groupCode(fresh))).toBe(0);
    // Nobody else is touched.
    expect(await b.codeOf("grace@example.com")).toBe(before["grace@example.com"]);
    expect(await row(b, "grace@example.com")).toMatchObject({ codeVersion: 1 });
    const audit = (await b.snapshot()).audit_log as { action: string; email: string | null }[];
    expect(audit.filter((a) => a.action === "code.reset")).toEqual([
      expect.objectContaining({ email: "ada@example.com", actor: "tester" }),
    ]);
    await expectNoCodeShown(b, old, fresh, ...Object.values(before));
  });

  it("needs --yes without a terminal, and changes nothing without it", async () => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run(["reset-code", "ada@example.com", "--generate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("pass --yes");
    expect(await b.snapshot()).toEqual(before);
  });
});

describe("evcred reset-code --code (the organizer's own)", () => {
  it("sets the code, warns about impersonation and records who chose it", async () => {
    const b = bench();
    await imported(b);
    const old = await b.codeOf("ada@example.com");
    const r = await b.run(["reset-code", "ada@example.com", "--code", "hall-2026 adax", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: .*impersonate the attendee.*message or meet each other/);
    // Sealed (and mailed) grouped as typed, not re-grouped by fours.
    expect(await b.codeOf("ada@example.com")).toBe("HALL-2026-ADAX");
    expect(await row(b, "ada@example.com")).toMatchObject({
      codeVersion: 2,
      codeSource: "organizer",
    });
    expect(await verify(b, "ada@example.com", old)).toBe(1);
    expect(await verify(b, "ADA@example.com", "HALL-2026-ADAX")).toBe(0);
    // Look-alikes fold on both sides: an O for the zero, an l for an L.
    expect(await verify(b, "ada@example.com", "hal1-2O26-adax")).toBe(0);
    const audit = (await b.snapshot()).audit_log as { action: string; summary: string }[];
    const entry = audit.find((a) => a.action === "code.organizer-set");
    expect(entry?.summary).toContain("set by the organizer");
    await expectNoCodeShown(b, old, "HALL2026ADAX", "HALL-2026-ADAX");
  });

  it("refuses a code another attendee has, without saying whose; nothing changes", async () => {
    const b = bench();
    await imported(b);
    const graces = await b.codeOf("grace@example.com");
    const before = await b.snapshot();
    const r = await b.run([
      "reset-code",
      "ada@example.com",
      "--code",
      groupCode(graces).toLowerCase(),
      "--yes",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("taken by another attendee of summit-2026");
    expect(r.stderr.toLowerCase()).not.toMatch(/grace|hopper/);
    expect(await b.snapshot()).toEqual(before);
    await expectNoCodeShown(b, graces);
  });

  it("refuses the attendee's own current code: a reset must change it", async () => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run([
      "reset-code",
      "ada@example.com",
      "--code",
      await b.codeOf("ada@example.com"),
      "--yes",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("already ada@example.com's code");
    expect(r.stderr).toContain("evcred resend ada@example.com");
    expect(await b.snapshot()).toEqual(before);
  });

  it.each([
    ["ada@example.com", "must not be the attendee's email"],
    ["ADA.EXAMPLE.COM", "must not be the attendee's email"],
    ["Summit-2026", "must not be the event's slug"],
    ["summit 2026", "must not be the event's slug"],
    ["short", "8 to 32 letters and digits (it has 5)"],
    ["x".repeat(33), "8 to 32 letters and digits (it has 33)"],
    ["café-au-lait", "only letters A-Z and digits"],
    ["12345678", "must not be a run of letters or digits"],
    ["ABCDEFGH", "must not be a run of letters or digits"],
    ["PASSWORD", "must not be a common word or password"],
    ["Welcome-2026", "must not be a common word or password"],
    ["passw0rd1", "must not be a common word or password"],
    ["7777-7777", "must not be one symbol or a short pattern repeated"],
    ["ADA-20260504", "must not be the attendee's email or the name in it"],
    ["SUMMIT-0504", "must not be the event's slug"],
  ])("refuses %j: %s (exit 2, nothing changed)", async (code, reason) => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run(["reset-code", "ada@example.com", "--code", code, "--yes"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: --code: a code ");
    expect(r.stderr).toContain(reason);
    expect(await b.snapshot()).toEqual(before);
  });
});

describe("evcred reset-code flags", () => {
  it.each([
    [
      ["ada@example.com", "--generate", "--code", "ABCDEFGH23"],
      "--generate and --code exclude each other",
    ],
    [["--all", "--code", "ABCDEFGH23"], "--all only works with --generate"],
    [["--all"], "--all only works with --generate"],
    [["ada@example.com", "--all", "--generate"], "pass EMAIL or --all, not both"],
    [["nobody@example.com", "--generate"], "no attendee nobody@example.com in summit-2026"],
  ])("%j is a usage error: %s", async (args, message) => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run(["reset-code", ...args, "--yes"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(await b.snapshot()).toEqual(before);
  });
});

describe("evcred reset-code, guided", () => {
  it("searches the attendee as you type, generates, confirms", async () => {
    const b = bench();
    await imported(b);
    const old = await b.codeOf("grace@example.com");
    const r = await b.run(["reset-code"], {
      tty: true,
      answers: ["hopper", "generate", true, ""],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(b.questions).toEqual([
      "Attendee (type part of a name or email):",
      "New code for grace@example.com:",
      "give grace@example.com a new code? Their current code stops working at once.",
      "Send the new code now? No template is linked to reset or resend in summit-2026.",
    ]);
    expect(await b.codeOf("grace@example.com")).not.toBe(old);
    expect(await row(b, "ada@example.com")).toMatchObject({ codeVersion: 1 });
    expect(await row(b, "grace@example.com")).toMatchObject({
      codeVersion: 2,
      codeSource: "generated",
    });
    await expectNoCodeShown(b, old, await b.codeOf("grace@example.com"));
  });

  it("sets a code of the organizer's, asked twice, after refusing a bad one", async () => {
    const b = bench();
    await imported(b);
    const r = await b.run(["reset-code", "grace@example.com"], {
      tty: true,
      answers: ["organizer", "short", "navy-2026-grace", "NAVY 2026 GRACE", true, ""],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("impersonate the attendee");
    expect(r.stderr).toContain("8 to 32 letters and digits");
    expect(await b.codeOf("grace@example.com")).toBe("NAVY-2026-GRACE");
    expect(await verify(b, "grace@example.com", "navy2026grace")).toBe(0);
    await expectNoCodeShown(b, "NAVY2026GRACE", "navy-2026-grace");
  });

  it("changes nothing when the confirmation is declined (exit 130)", async () => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run(["reset-code"], { tty: true, answers: ["ada", "generate", false] });
    expect(r.code).toBe(130);
    expect(await b.snapshot()).toEqual(before);
  });

  it.each([
    [[], "which attendee: no terminal to ask on", "pass EMAIL to answer it"],
    [["ada@example.com"], "a generated code or one of yours", "pass --generate or --code CODE"],
    [["ada@example.com", "--generate"], "give ada@example.com a new code", "pass --yes"],
    [["--all", "--generate"], "give all 3 attendees of summit-2026 new codes", "pass --yes"],
  ])("without a terminal, %j fails with exit 2 naming the flag", async (args, question, hint) => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run(["reset-code", ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(question);
    expect(r.stderr).toContain(hint);
    expect(await b.snapshot()).toEqual(before);
  });
});

describe("evcred reset-code --all --generate", () => {
  it("gives every attendee a new, unique code after a confirmation showing the count", async () => {
    const b = bench();
    await imported(b);
    const before = await codes(b);
    const r = await b.run(["reset-code", "--all", "--generate", "--json"], {
      tty: true,
      answers: [true],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(b.questions).toEqual([
      "give all 3 attendees of summit-2026 new codes? Every current code stops working at once.",
    ]);
    expect(r.json()).toEqual({ event: "summit-2026", reset: 3, codeSource: "generated" });
    const after = await codes(b);
    expect(new Set([...Object.values(before), ...Object.values(after)]).size).toBe(6);
    for (const email of EMAILS) {
      expect(await row(b, email)).toMatchObject({ codeVersion: 2, codeSource: "generated" });
      expect(await verify(b, email, before[email] ?? "")).toBe(1);
      expect(await verify(b, email, after[email] ?? "")).toBe(0);
    }
    const audit = (await b.snapshot()).audit_log as { action: string; email: string | null }[];
    expect(
      audit
        .filter((a) => a.action === "code.reset")
        .map((a) => a.email)
        .sort(),
    ).toEqual([...EMAILS].sort());
    await expectNoCodeShown(b, ...Object.values(before), ...Object.values(after));
  });
});

describe("evcred attendees show: code history", () => {
  it("lists registration, resets and organizer-set codes with who and when, never the code", async () => {
    const b = bench();
    await imported(b);
    b.advance(60_000);
    const reset = await b.run(["reset-code", "ada@example.com", "--generate", "--yes"], {
      env: { EVCRED_ACTOR: "alice at the help desk" },
    });
    expect(reset.code, reset.stderr).toBe(0);
    b.advance(60_000);
    const set = await b.run(["reset-code", "ada@example.com", "--code", "ZQWX-7HVB-23", "--yes"]);
    expect(set.code, set.stderr).toBe(0);
    const r = await b.run(["attendees", "show", "ada@example.com", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const shown = r.json<{ codeVersion: number; codeSource: string; codeHistory: unknown[] }>();
    expect(shown.codeVersion).toBe(3);
    expect(shown.codeSource).toBe("organizer");
    expect(shown.codeHistory).toEqual([
      {
        at: "2026-05-04T09:00:00.000Z",
        actor: "tester",
        action: "import",
        summary: "registered; code generated",
      },
      {
        at: "2026-05-04T09:01:00.000Z",
        actor: "alice at the help desk",
        action: "code.reset",
        summary: "new code generated (version 2)",
      },
      {
        at: "2026-05-04T09:02:00.000Z",
        actor: "tester",
        action: "code.organizer-set",
        summary: "code set by the organizer (version 3); the organizer knows it",
      },
    ]);
    const human = await b.run(["attendees", "show", "ada@example.com"]);
    expect(human.stdout).toContain("code history");
    expect(human.stdout).toContain("alice");
    expect(human.stdout).toContain("chosen by the organizer");
    // One column for who, however long a name: the summaries line up.
    const history = human.stdout.split("code history")[1]?.split("\n").filter(Boolean) ?? [];
    const starts = history.slice(1).map((line) => line.search(/(registered|new code|code set)/));
    expect(new Set(starts).size).toBe(1);
    await expectNoCodeShown(b, "ZQWX-7HVB-23", "ZQWX7HVB23", await b.codeOf("grace@example.com"));
  });
});
