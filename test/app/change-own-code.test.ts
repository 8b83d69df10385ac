/**
 * changeOwnCode as the change-my-code page calls it, on a real workspace with real argon2: the
 * current code verified through the lockout, the refusals of the new one (weak and taken alike),
 * and what a change leaves behind (the code, its source, the audit, nobody due an email).
 */
import { afterEach, describe, expect, it } from "vitest";
import { lookAt } from "../helpers/look.js";
import {
  changeOwnCode,
  type ChangeOwnCodeInput,
  type ChangeOwnCodeResult,
} from "../../src/app/change-own-code.js";
import { findAttendee } from "../../src/domain/attendees.js";
import { groupCode } from "../../src/domain/codes.js";
import { findEvent } from "../../src/domain/events.js";
import { verifyLogin } from "../../src/domain/logins.js";
import { countDue } from "../../src/domain/recipients.js";
import { setOwnCode } from "../../src/domain/reset.js";
import type { EventRow } from "../../src/store/schema.js";
import type { Workspace } from "../../src/store/workspace.js";
import { hashParamsFrom } from "../../src/vault/hash.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();
let open: Workspace | undefined;
afterEach(() => {
  void open?.close();
  open = undefined;
});

const NEW_CODE = "ZQWX-7HVB-23";

async function setup() {
  const b = bench();
  b.file("attendees.csv", SAMPLE_CSV);
  const created = await b.run([
    "event",
    "create",
    "Summit 2026",
    "--slug",
    "summit",
    "--from",
    "Team <team@example.com>",
    "--timezone",
    "Europe/Madrid",
  ]);
  expect(created.code, created.stderr).toBe(0);
  expect((await b.run(["import", "attendees.csv", "--event", "summit", "--yes"])).code).toBe(0);
  const sent = await b.run(["send", "--template", "credentials", "--yes", "--json"]);
  expect(sent.code, sent.stderr).toBe(0);
  expect(sent.json()).toMatchObject({ sent: 3 });
  const ws = await b.open();
  open = ws;
  const event = await findEvent(ws, "summit");
  if (!event) throw new Error("no event");
  const deps = { ws, now: () => b.now, hashParams: hashParamsFrom(b.env) };
  const current = await b.codeOf("ada@example.com", "summit");
  const change = (input: Partial<ChangeOwnCodeInput>): Promise<ChangeOwnCodeResult> =>
    changeOwnCode(deps, event, {
      email: "ada@example.com",
      current,
      code: NEW_CODE,
      repeat: NEW_CODE,
      ...input,
    });
  const verify = (email: string, code: string) =>
    verifyLogin(ws, event, email, code, b.now, deps.hashParams, "cli");
  return { b, ws, event, change, verify, ada: await b.codeOf("ada@example.com", "summit") };
}

function loginRows(b: TestBench) {
  return lookAt<{ email: string; ok: number; outcome: string; source: string }>(
    b.db,
    "SELECT email, CAST(ok AS INTEGER) AS ok, outcome, source FROM logins ORDER BY id",
  );
}

async function codeRow(ws: Workspace, event: EventRow, email: string) {
  const row = await findAttendee(ws, event, email);
  if (!row) throw new Error(`no ${email}`);
  return row;
}

describe("changeOwnCode", () => {
  it("a wrong current code and an unknown email: one answer, one failed page login each; the 6th is locked even with the right code", async () => {
    const { b, ws, event, change, verify, ada } = await setup();
    const wrong = await change({ current: "WRONGCODE1" });
    const unknown = await change({ email: "nobody@example.com", current: "WRONGCODE1" });
    expect(wrong).toEqual({ ok: false, outcome: "invalid-credentials" });
    expect(unknown).toEqual(wrong);
    expect(await loginRows(b)).toEqual([
      { email: "ada@example.com", ok: 0, outcome: "wrong-code", source: "page" },
      { email: "nobody@example.com", ok: 0, outcome: "unknown-email", source: "page" },
    ]);
    for (let i = 0; i < 4; i++) {
      expect(await change({ current: `WRONGCODE${i + 2}` })).toEqual(wrong);
    }
    // Counted from the oldest of the five, which the clock of the bench put at 09:00 UTC.
    expect(await change({ current: ada })).toEqual({
      ok: false,
      outcome: "locked",
      retryAt: "2026-05-04T09:15:00.000Z",
    });
    // The same lockout as signing in: her right code is refused there too.
    expect(await verify("ada@example.com", ada)).toMatchObject({ outcome: "locked" });
    expect((await codeRow(ws, event, "ada@example.com")).codeSource).toBe("generated");
  });

  it("a weak code and another attendee's code: the same refusal; nothing changed", async () => {
    const { b, ws, event, change } = await setup();
    const grace = groupCode(await b.codeOf("grace@example.com", "summit"));
    const before = await codeRow(ws, event, "ada@example.com");
    const weak = [
      "12345678",
      "aaaaaaaa",
      "Ada 2026",
      "summit2026",
      "Password1",
      "short",
      "ab$cdefgh",
    ];
    const answers = [];
    for (const code of [...weak, grace]) answers.push(await change({ code, repeat: code }));
    expect(answers).toEqual(answers.map(() => ({ ok: false, outcome: "refused" })));
    expect(await codeRow(ws, event, "ada@example.com")).toEqual(before);
    // Only the taken code needed her current code proved (the rule alone refuses the others).
    expect(await loginRows(b)).toEqual([
      { email: "ada@example.com", ok: 1, outcome: "ok", source: "page" },
    ]);
  });

  it("whether a code is taken is never said before the current code is proved", async () => {
    const { b, change } = await setup();
    const grace = await b.codeOf("grace@example.com", "summit");
    const guess = await change({ current: "WRONGCODE1", code: grace, repeat: grace });
    expect(guess).toEqual({ ok: false, outcome: "invalid-credentials" });
  });

  it("the current code again, and two entries that differ: refused before any verification", async () => {
    const { b, change, ada } = await setup();
    expect(await change({ code: groupCode(ada).toLowerCase(), repeat: ada })).toEqual({
      ok: false,
      outcome: "same-code",
    });
    expect(await change({ code: NEW_CODE, repeat: "ZQWX-7HVB-24" })).toEqual({
      ok: false,
      outcome: "mismatch",
    });
    expect(await change({ email: "not-an-email" })).toEqual({
      ok: false,
      outcome: "invalid-email",
    });
    expect(await loginRows(b)).toEqual([]);
  });

  it("success: the old code is refused, the new one verifies; source attendee, sealed as typed, audited without it, nobody due", async () => {
    const { b, ws, event, change, verify, ada } = await setup();
    const before = await codeRow(ws, event, "ada@example.com");
    // Four failures first: the change proves the code, and they do not lock the new one.
    for (let i = 0; i < 4; i++) await change({ current: `WRONGCODE${i}` });
    b.advance(1000);
    expect(await change({ email: " Ada@Example.com ", code: "zqwx 7hvb 23" })).toEqual({
      ok: true,
    });
    const after = await codeRow(ws, event, "ada@example.com");
    expect(after.codeSource).toBe("attendee");
    expect(after.codeVersion).toBe(before.codeVersion);
    expect(after.codeChangedAt).toBe(b.now.toISOString());
    expect(after.codeHash).not.toBe(before.codeHash);
    expect(after.codeFingerprint.equals(before.codeFingerprint)).toBe(false);
    // Sealed like any code: the mailer opens it, as the attendee typed it.
    expect(await b.codeOf("ada@example.com", "summit")).toBe("ZQWX-7HVB-23");

    expect(await verify("ada@example.com", ada)).toEqual({ ok: false, outcome: "wrong" });
    expect(await verify("ada@example.com", "ZQWX7HVB23")).toEqual({ ok: true });
    expect(await verify("ada@example.com", "zqwx-7hvb-23")).toEqual({ ok: true });

    const audit = await lookAt<{ actor: string; action: string; email: string; summary: string }>(
      b.db,
      "SELECT actor, action, email, summary FROM audit_log WHERE action LIKE 'code.%' ORDER BY id",
    );
    expect(audit).toEqual([
      {
        actor: "attendee (change my code page)",
        action: "code.attendee-set",
        email: "ada@example.com",
        summary: "code chosen by the attendee; the organizer does not know it",
      },
    ]);
    const everything = JSON.stringify((await b.snapshot()).audit_log).toUpperCase();
    for (const code of ["ZQWX7HVB23", "ZQWX-7HVB-23", ada, groupCode(ada)]) {
      expect(everything).not.toContain(code);
    }

    // Not due another credentials email: `send` finds nobody, `attendees show` says who chose it.
    expect(await countDue(ws, event, "credentials")).toBe(0);
    const send = await b.run(["send", "--template", "credentials", "--yes"]);
    expect(send.code, send.stderr).toBe(0);
    expect(send.stderr).toContain("nobody is due credentials in summit");
    const shown = await b.run(["attendees", "show", "ada@example.com"]);
    expect(shown.stdout).toMatch(/code\s+chosen by the attendee/);
    expect(shown.stdout).toContain("attendee (change my code page)");
    expect(shown.stdout).toContain("credentials sent");
    // An organizer's reset afterwards still makes her due, as any reset does.
    expect((await b.run(["reset-code", "ada@example.com", "--generate", "--yes"])).code).toBe(0);
    expect(await countDue(ws, event, "credentials")).toBe(1);
  });

  it("a code changed since it was read (a reset meanwhile) is not replaced: what was proved is no longer hers", async () => {
    const { b, ws, event } = await setup();
    const proved = await codeRow(ws, event, "ada@example.com");
    b.advance(1000);
    expect((await b.run(["reset-code", "ada@example.com", "--generate", "--yes"])).code).toBe(0);
    const reset = await codeRow(ws, event, "ada@example.com");
    const changed = await setOwnCode(ws, event, proved, NEW_CODE, {
      hashParams: hashParamsFrom(b.env),
      who: { actor: "attendee (change my code page)", at: b.now.toISOString() },
    });
    expect(changed).toBeUndefined();
    expect(await codeRow(ws, event, "ada@example.com")).toEqual(reset);
    const [entries] = await lookAt<{ n: number }>(
      b.db,
      "SELECT count(*) AS n FROM audit_log WHERE action = 'code.attendee-set'",
    );
    expect(entries?.n).toBe(0);
  });
});
