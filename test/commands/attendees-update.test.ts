import { describe, expect, it } from "vitest";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";
import { lookAt } from "../helpers/look.js";

const bench = benchPerTest();

async function imported(b: TestBench): Promise<void> {
  b.file("a.csv", SAMPLE_CSV);
  const r = await b.run(["import", "a.csv", "--event", "summit", "--yes"]);
  expect(r.code, r.stderr).toBe(0);
}

async function sealedOf(b: TestBench, email: string): Promise<Buffer> {
  const [row] = await lookAt<{ sealed: Buffer }>(
    b.db,
    "SELECT code_sealed AS sealed FROM attendees WHERE email = ?",
    [email],
  );
  if (!row) throw new Error(`no attendee ${email}`);
  return row.sealed;
}

async function audit(
  b: TestBench,
): Promise<{ action: string; email: string | null; summary: string }[]> {
  return (await b.snapshot()).audit_log as {
    action: string;
    email: string | null;
    summary: string;
  }[];
}

describe("evcred attendees update", () => {
  it("fixes a mistyped email: same code, re-sealed for the new address, audited with both", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV.replace("ada@example.com", "ada@exmaple.com"));
    await b.run(["import", "a.csv", "--event", "summit", "--yes"]);
    const code = await b.codeOf("ada@exmaple.com");
    const sealed = await sealedOf(b, "ada@exmaple.com");
    const r = await b.run([
      "attendees",
      "update",
      "ADA@exmaple.com",
      "--email",
      " Ada@Example.com ",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toEqual({
      event: "summit",
      previousEmail: "ada@exmaple.com",
      email: "ada@example.com",
      changes: [{ what: "email", from: "ada@exmaple.com", to: "ada@example.com" }],
    });
    expect(await b.codeOf("ada@example.com")).toBe(code);
    expect((await sealedOf(b, "ada@example.com")).equals(sealed)).toBe(false);
    expect((await b.run(["verify", "ada@example.com", code])).code).toBe(0);
    expect((await b.run(["verify", "ada@exmaple.com", code])).code).toBe(1);
    expect(await audit(b)).toContainEqual(
      expect.objectContaining({
        action: "attendee.update",
        email: "ada@exmaple.com",
        summary: 'updated: email "ada@exmaple.com" → "ada@example.com"; code kept',
      }),
    );
    const human = await b.run(["attendees", "update", "ada@example.com", "--email", "a@ex.org"]);
    expect(human.stderr).toContain('✔ updated a@ex.org: email "ada@example.com" → "a@ex.org"');
    expect(human.stderr).toContain("to send it to the new address: evcred resend a@ex.org");
    for (const text of b.transcript) expect(text).not.toContain(code);
  });

  it("keeps the attendee's history: code history, deliveries and logins stay theirs", async () => {
    const b = bench();
    await imported(b);
    await b.run(["reset-code", "ada@example.com", "--generate", "--yes"]);
    await b.run(["verify", "ada@example.com", await b.codeOf("ada@example.com")]);
    await b.run(["attendees", "update", "ada@example.com", "--email", "ada@lovelace.org"]);
    const shown = await b.run(["attendees", "show", "ada@lovelace.org", "--json"]);
    const json = shown.json<{
      codeVersion: number;
      loggedIn: boolean;
      codeHistory: { action: string }[];
    }>();
    expect(json.codeVersion).toBe(2);
    expect(json.loggedIn).toBe(true);
    expect(json.codeHistory.map((h) => h.action)).toEqual(["import", "code.reset"]);
  });

  it("changes names and custom fields; an empty value removes a field", async () => {
    const b = bench();
    await imported(b);
    const r = await b.run([
      "attendees",
      "update",
      "ada@example.com",
      "--first-name",
      " Augusta  Ada ",
      "--last-name",
      "King",
      "--field",
      "company=",
      "--field",
      "Badge Colour=blue = dark",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<{ changes: unknown[] }>().changes).toEqual([
      { what: "first_name", from: "Ada", to: "Augusta Ada" },
      { what: "last_name", from: "Lovelace", to: "King" },
      { what: "company", from: "Analytical Engines", to: null },
      { what: "badge_colour", from: null, to: "blue = dark" },
    ]);
    const shown = await b.run(["attendees", "show", "ada@example.com", "--json"]);
    expect(shown.json()).toMatchObject({
      firstName: "Augusta Ada",
      lastName: "King",
      fields: { badge_colour: "blue = dark" },
    });
    expect((await audit(b)).at(-1)?.summary).toBe(
      'updated: first_name "Ada" → "Augusta Ada"; last_name "Lovelace" → "King"; company removed (was "Analytical Engines"); badge_colour added: "blue = dark"',
    );
  });

  it("with values it already has, changes and audits nothing (exit 0)", async () => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run(["attendees", "update", "ada@example.com", "--first-name", "Ada"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("ada@example.com: nothing to change; it is so already");
    expect(await b.snapshot()).toEqual(before);
  });

  it("a corrected email is not locked by failures recorded for that address before", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV.replace("ada@example.com", "ada@exmaple.com"));
    await b.run(["import", "a.csv", "--event", "summit", "--yes"]);
    for (let i = 0; i < 5; i++) await b.run(["verify", "ada@example.com", "WRONGCODE2"]);
    b.advance(1_000);
    await b.run(["attendees", "update", "ada@exmaple.com", "--email", "ada@example.com"]);
    const shown = await b.run(["attendees", "show", "ada@example.com", "--json"]);
    expect(shown.json()).toMatchObject({ lockedUntil: null });
    expect(
      (await b.run(["verify", "ada@example.com", await b.codeOf("ada@example.com")])).code,
    ).toBe(0);
  });

  it.each([
    [
      ["nobody@example.com", "--first-name", "X"],
      "error: no attendee nobody@example.com in summit",
    ],
    [["ada@example.com", "--email", "not-an-email"], "error: --email: expected an email address"],
    [
      ["ada@example.com", "--email", "GRACE@example.com"],
      "error: --email: grace@example.com is already an attendee of summit",
    ],
    [
      ["ada@example.com", "--field", "company"],
      'error: --field: expected KEY=VALUE, e.g. company="Analytical Engines" (got "company")',
    ],
    [["ada@example.com", "--field", "=x"], "error: --field: expected KEY=VALUE"],
    [
      ["ada@example.com", "--field", "Email=x@y.com"],
      "error: --field: email is not a custom field; use --email",
    ],
    [
      ["ada@example.com", "--field", "badge="],
      "error: --field: ada@example.com has no field badge to remove (fields: company)",
    ],
    [
      ["ada@example.com", "--field", `company=${"x".repeat(2001)}`],
      "error: --field: company: at most 2000 characters",
    ],
    [
      ["ada@example.com", "--first-name", "A\u0007da"],
      "error: --first-name: holds a control character",
    ],
    [["ada@example.com"], "error: nothing to change"],
  ])("refuses %j (exit 2, naming the flag, nothing changed)", async (argv, message) => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run(["attendees", "update", ...argv]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(await b.snapshot()).toEqual(before);
  });

  it("refuses a bad field among good changes: nothing at all is changed", async () => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run([
      "attendees",
      "update",
      "ada@example.com",
      "--email",
      "ada@lovelace.org",
      "--field",
      "nope=",
    ]);
    expect(r.code).toBe(2);
    expect(await b.snapshot()).toEqual(before);
  });

  it("keeps the attendee's whole log findable under the old email and the new one", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV.replace("ada@example.com", "ada@exmaple.com"));
    await b.run(["import", "a.csv", "--event", "summit", "--yes"]);
    await b.run(["attendees", "update", "ada@exmaple.com", "--email", "ada@example.com"]);
    await b.run(["reset-code", "ada@example.com", "--generate", "--yes"]);
    type Page = { entries: { action: string; email: string | null }[] };
    const actions = async (email: string) =>
      (await b.run(["log", "--attendee", email, "--json"]))
        .json<Page>()
        .entries.map((e) => e.action);
    const old = await actions("ada@exmaple.com");
    expect(old).toEqual(await actions("Ada@Example.com"));
    expect(old).toEqual(["code.reset", "attendee.update"]);
    // Nobody else's entries: Grace's log is hers alone.
    const grace = (await b.run(["log", "--attendee", "grace@example.com", "--json"])).json<Page>();
    expect(grace.entries.every((e) => e.email === "grace@example.com")).toBe(true);
  });

  it("has help with examples", async () => {
    const b = bench();
    const r = await b.run(["attendees", "update", "--help"]);
    expect(r.stdout).toContain("--field <key=value>");
    expect(r.stdout).toContain("$ evcred attendees update ada@exmaple.com --email ada@example.com");
  });
});
