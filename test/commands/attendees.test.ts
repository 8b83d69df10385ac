import { describe, expect, it } from "vitest";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();

interface ListJson {
  event: string;
  attendees: { email: string; firstName: string; lastName: string; fields: object }[];
}

async function imported(b: TestBench, csv = SAMPLE_CSV) {
  b.file("a.csv", csv);
  const result = await b.run(["import", "a.csv", "--event", "summit", "--yes"]);
  expect(result.code, result.stderr).toBe(0);
}

const emailsOf = (json: ListJson) => json.attendees.map((a) => a.email);

describe("evcred attendees list", () => {
  it("lists email, name and status, never a code", async () => {
    const b = bench();
    await imported(b);
    const result = await b.run(["attendees", "list"]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^EMAIL\s+NAME\s+STATUS$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ada@example.com\s+Ada Lovelace\s+unsent$/),
      expect.stringMatching(/^grace@example.com\s+Grace Hopper\s+unsent$/),
      expect.stringMatching(/^alan@example.com\s+Alan Turing\s+unsent$/),
    ]);
    expect(result.stderr).toContain("3 attendees in summit");
  });

  it("gives one JSON document with --json, with no code column", async () => {
    const b = bench();
    await imported(b);
    const result = await b.run(["attendees", "list", "--json"]);
    const json = result.json<ListJson>();
    expect(json.event).toBe("summit");
    expect(json.attendees[0]).toEqual({
      email: "ada@example.com",
      firstName: "Ada",
      lastName: "Lovelace",
      fields: { company: "Analytical Engines" },
      sent: false,
      failed: false,
      pending: false,
      lastDeliveryAt: null,
      deliveryError: null,
      loggedIn: false,
      lastLoginAt: null,
      lockedUntil: null,
      codeChangedAt: b.now.toISOString(),
      createdAt: b.now.toISOString(),
    });
    expect(result.stdout).not.toMatch(/code_?hash|sealed|fingerprint|\$argon2/i);
    for (const email of ["ada@example.com", "grace@example.com", "alan@example.com"]) {
      expect(result.stdout).not.toContain(await b.codeOf(email));
    }
  });

  it.each([
    ["hopper", ["grace@example.com"]],
    ["HOPPER", ["grace@example.com"]],
    ["ada lovelace", ["ada@example.com"]],
    ["al", ["alan@example.com"]],
    ["example.com", ["ada@example.com", "grace@example.com", "alan@example.com"]],
    ["_", []],
    ["%", []],
    ["nobody", []],
  ])("--search %j finds emails or names containing it", async (search, expected) => {
    const b = bench();
    await imported(b);
    const result = await b.run(["attendees", "list", "--search", search, "--json"]);
    expect(result.code).toBe(0);
    expect(emailsOf(result.json<ListJson>())).toEqual(expected);
  });

  it("--status unsent lists everyone before a send; --limit cuts the list", async () => {
    const b = bench();
    await imported(b);
    const unsent = await b.run(["attendees", "list", "--status", "unsent", "--json"]);
    expect(emailsOf(unsent.json<ListJson>())).toHaveLength(3);
    const sent = await b.run(["attendees", "list", "--status", "sent", "--json"]);
    expect(emailsOf(sent.json<ListJson>())).toEqual([]);
    const limited = await b.run(["attendees", "list", "--limit", "2", "--json"]);
    expect(emailsOf(limited.json<ListJson>())).toEqual(["ada@example.com", "grace@example.com"]);
  });

  it("lists logged-in attendees after a right verify", async () => {
    const b = bench();
    await imported(b);
    await b.run(["verify", "grace@example.com", await b.codeOf("grace@example.com")]);
    const result = await b.run(["attendees", "list", "--status", "logged-in", "--json"]);
    expect(emailsOf(result.json<ListJson>())).toEqual(["grace@example.com"]);
    const human = await b.run(["attendees", "list", "--search", "grace"]);
    expect(human.stdout).toMatch(/unsent, logged in/);
  });

  it.each([
    [["--status", "bogus"], "--status: expected one of: unsent, sent, failed, logged-in, locked"],
    [["--limit", "0"], "--limit: must be at least 1"],
    [["--limit", "many"], "--limit: expected a whole number"],
  ])("refuses %j (exit 2, naming the flag)", async (argv, message) => {
    const b = bench();
    await imported(b);
    const result = await b.run(["attendees", "list", ...argv]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: ${message}`);
  });

  it("says there are no attendees with an empty list", async () => {
    const b = bench();
    await b.run(["event", "create", "Summit"]);
    const result = await b.run(["attendees", "list"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("0 attendees in summit");
  });
});

describe("evcred attendees show", () => {
  it("shows one attendee with custom fields and where they stand", async () => {
    const b = bench();
    await imported(b);
    const result = await b.run(["attendees", "show", " Grace@Example.com "]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("email        grace@example.com");
    expect(result.stdout).toContain("name         Grace Hopper");
    expect(result.stdout).toContain("company      US Navy");
    expect(result.stdout).toContain("code         generated, last changed 4 May 2026, 09:00 (UTC)");
    expect(result.stdout).toContain("status       credentials not sent");
    expect(result.stdout).not.toContain(await b.codeOf("grace@example.com"));
  });

  it("gives the same with --json, and no code", async () => {
    const b = bench();
    await imported(b);
    const result = await b.run(["attendees", "show", "ada@example.com", "--json"]);
    expect(result.json()).toMatchObject({
      event: "summit",
      email: "ada@example.com",
      fields: { company: "Analytical Engines" },
      codeSource: "generated",
      codeVersion: 1,
      deliveries: [],
      logins: [],
    });
    expect(result.stdout).not.toContain(await b.codeOf("ada@example.com"));
  });

  it.each([
    ["grace@exmple.com", "did you mean: grace@example.com (Grace Hopper)?"],
    ["hopper", "did you mean: grace@example.com (Grace Hopper)?"],
    ["alan@example.org", "did you mean: alan@example.com (Alan Turing)?"],
    ["zebediah@nowhere.test", "list them with: evcred attendees list --search TEXT"],
  ])("for an unknown %j suggests close matches (exit 2)", async (email, hint) => {
    const b = bench();
    await imported(b);
    const result = await b.run(["attendees", "show", email]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: no attendee ${email} in summit`);
    expect(result.stderr).toContain(`hint: ${hint}`);
  });
});

describe("evcred attendees remove", () => {
  it("needs --yes without a terminal, and removes nothing", async () => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const result = await b.run(["attendees", "remove", "ada@example.com"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("remove ada@example.com from summit: no terminal to ask on");
    expect(result.stderr).toContain("hint: pass --yes to answer it");
    expect(await b.snapshot()).toEqual(before);
  });

  it("removes with --yes: gone from the list, the code stops working, the removal is audited", async () => {
    const b = bench();
    await imported(b);
    const code = await b.codeOf("ada@example.com");
    const result = await b.run(["attendees", "remove", "ADA@example.com", "--yes", "--json"]);
    expect(result.code).toBe(0);
    expect(result.json()).toEqual({ event: "summit", removed: "ada@example.com" });
    const list = await b.run(["attendees", "list", "--json"]);
    expect(emailsOf(list.json<ListJson>())).toEqual(["grace@example.com", "alan@example.com"]);
    expect((await b.run(["verify", "ada@example.com", code])).code).toBe(1);
    const audit = (await b.snapshot()).audit_log as { action: string; email: string | null }[];
    expect(audit).toContainEqual(
      expect.objectContaining({ action: "attendee.remove", email: "ada@example.com" }),
    );
  });

  it("asks on a terminal: no keeps the attendee (exit 130), yes removes", async () => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const no = await b.run(["attendees", "remove", "ada@example.com"], {
      tty: true,
      answers: [false],
    });
    expect(no.code).toBe(130);
    expect(no.stderr).toContain("nothing removed");
    expect(await b.snapshot()).toEqual(before);
    const yes = await b.run(["attendees", "remove", "ada@example.com"], {
      tty: true,
      answers: [true],
    });
    expect(yes.code).toBe(0);
    expect(b.questions).toEqual([
      "remove ada@example.com from summit? Their code stops working.",
      "remove ada@example.com from summit? Their code stops working.",
    ]);
  });

  it("refuses an unknown attendee, suggesting the close ones", async () => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const result = await b.run(["attendees", "remove", "ada@exampel.com", "--yes"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("did you mean: ada@example.com (Ada Lovelace)?");
    expect(await b.snapshot()).toEqual(before);
  });

  it("gives a re-imported attendee a new code", async () => {
    const b = bench();
    await imported(b);
    const old = await b.codeOf("ada@example.com");
    await b.run(["attendees", "remove", "ada@example.com", "--yes"]);
    await imported(b);
    expect(await b.codeOf("ada@example.com")).not.toBe(old);
  });
});
