import { parse } from "csv-parse/sync";
import { statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();

/** A workspace with one event and the sample's three attendees, and its snapshot. */
async function seeded(b: TestBench) {
  b.file("seed.csv", SAMPLE_CSV);
  const seed = await b.run(["import", "seed.csv", "--event", "summit", "--yes"]);
  expect(seed.code).toBe(0);
  return await b.snapshot();
}

interface BadInput {
  name: string;
  file?: string | Buffer;
  argv?: string[];
  /** What stderr must say, in order of appearance. */
  says: (RegExp | string)[];
}

const BAD_INPUTS: BadInput[] = [
  {
    name: "a missing file",
    argv: ["import", "missing.csv", "--event", "summit"],
    says: ["missing.csv", "no such file"],
  },
  { name: "an empty file", file: "", says: ["bad.csv is empty", "hint: expected a header line"] },
  {
    name: "a file of blank lines",
    file: "\n\r\n\n",
    says: ["bad.csv is empty"],
  },
  {
    name: "a header without rows",
    file: "email,first_name,last_name\n\n",
    says: ["bad.csv has a header but no attendee rows"],
  },
  {
    name: "a binary file",
    file: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00]),
    says: ["bad.csv is not a text file"],
  },
  {
    name: "no email column",
    file: "\nName,Company\nAda Lovelace,Engines\n",
    says: ["bad.csv:2: no email column", 'the header has: "Name", "Company"'],
  },
  {
    name: "invalid UTF-8",
    file: Buffer.concat([
      Buffer.from("email,name\nada@example.com,Ada\ngrace@example.com,Gr"),
      Buffer.of(0xe2, 0x28, 0xa1),
      Buffer.from("ce\n"),
    ]),
    says: ["bad.csv:3: not UTF-8 text", 'hint: save the file as "CSV UTF-8"'],
  },
  {
    name: "an unknown event without --yes and no terminal",
    file: SAMPLE_CSV,
    argv: ["import", "bad.csv", "--event", "new-event"],
    says: ['event "new-event" does not exist; create it: no terminal to ask on', "--yes"],
  },
  {
    name: "an invalid slug for a new event",
    file: SAMPLE_CSV,
    argv: ["import", "bad.csv", "--event", "Summit 2026", "--yes"],
    says: ["--event: a slug is lower-case letters, digits and dashes"],
  },
  {
    name: "a folder instead of a file",
    argv: ["import", ".", "--event", "summit"],
    says: ["is not a file"],
  },
];

describe("evcred import: bad inputs change nothing", () => {
  it.each(BAD_INPUTS)("$name → exit 2", async ({ file, argv, says }) => {
    const b = bench();
    const before = await seeded(b);
    if (file !== undefined) b.file("bad.csv", file);
    const result = await b.run(argv ?? ["import", "bad.csv", "--event", "summit"]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe("");
    let rest = result.stderr;
    for (const text of says) {
      const at = typeof text === "string" ? rest.indexOf(text) : rest.search(text);
      expect(at, `stderr ${JSON.stringify(result.stderr)} should say ${String(text)}`).not.toBe(-1);
      rest = rest.slice(at);
    }
    expect(await b.snapshot()).toEqual(before);
  });

  it("puts the error in the JSON document with --json", async () => {
    const b = bench();
    const before = await seeded(b);
    b.file("bad.csv", "name\nAda\n");
    const result = await b.run(["import", "bad.csv", "--event", "summit", "--json"]);
    expect(result.code).toBe(2);
    expect(result.json()).toMatchObject({
      error: {
        message: expect.stringContaining("bad.csv:1: no email column") as unknown,
        exitCode: 2,
      },
    });
    expect(await b.snapshot()).toEqual(before);
  });
});

const WITH_REJECTS = [
  "email,first_name,last_name,company",
  "ada@example.com,Ada,Lovelace,Engines",
  "not-an-email,Bob,Tables,Acme",
  ",Nobody,Here,Acme",
  "ADA@example.com ,Ada,Other,Duplicate Inc",
  `grace@example.com,Grace,Hopper,${"x".repeat(2_001)}`,
  'alan@example.com,Alan,Turing,"Bletchley',
  'Park"',
  'mallory@@example.com,"=HYPERLINK(""http://evil.example"",""click"")",+1,@SUM(A1)',
  "katherine@example.com,Katherine,Johnson,NASA",
].join("\n");

const EXPECTED_REJECTIONS = [
  { line: 3, reason: 'invalid email "not-an-email"' },
  { line: 4, reason: "no email" },
  { line: 5, reason: "duplicate of line 2 (ada@example.com); the first wins" },
  { line: 6, reason: "column 4 has 2001 characters (at most 2000)" },
  { line: 9, reason: 'invalid email "mallory@@example.com"' },
];

describe("evcred import: rejected rows", () => {
  it("imports the valid rows and lists each rejection with its line and reason (exit 3)", async () => {
    const b = bench();
    b.file("a.csv", WITH_REJECTS);
    const result = await b.run(["import", "a.csv", "--event", "summit", "--yes", "--json"]);
    expect(result.code).toBe(3);
    expect(result.json()).toMatchObject({
      event: "summit",
      new: 3,
      rows: 8,
      committed: true,
      rejected: EXPECTED_REJECTIONS,
    });
    for (const { line, reason } of EXPECTED_REJECTIONS) {
      expect(result.stderr).toContain(`${b.path("a.csv")}:${line}: ${reason}`);
    }
    expect(result.stderr).toContain("summit: 3 new, 0 updated, 0 unchanged, 5 rejected");
    const list = await b.run(["attendees", "list", "--json"]);
    const emails = list.json<{ attendees: { email: string }[] }>().attendees.map((a) => a.email);
    expect(emails).toEqual(["ada@example.com", "alan@example.com", "katherine@example.com"]);
  });

  it("keeps the first of two rows with the same email", async () => {
    const b = bench();
    b.file(
      "a.csv",
      "email,first_name,last_name\nada@example.com,Ada,Lovelace\n Ada@Example.com,Augusta,King\n",
    );
    const result = await b.run(["import", "a.csv", "--event", "summit", "--yes"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      "a.csv:3: duplicate of line 2 (ada@example.com); the first wins",
    );
    const show = await b.run(["attendees", "show", "ada@example.com", "--json"]);
    expect(show.json()).toMatchObject({ firstName: "Ada", lastName: "Lovelace" });
  });

  it("writes --rejects as CSV: line, reason and the original columns, formulas neutralized, mode 0600", async () => {
    const b = bench();
    b.file("a.csv", WITH_REJECTS);
    const result = await b.run([
      "import",
      "a.csv",
      "--event",
      "summit",
      "--yes",
      "--rejects",
      "rejected.csv",
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("rejected rows written to rejected.csv");
    expect(statSync(b.path("rejected.csv")).mode & 0o777).toBe(0o600);
    const rows: string[][] = parse(b.read("rejected.csv"), { relax_column_count: true });
    expect(rows[0]).toEqual(["line", "reason", "email", "first_name", "last_name", "company"]);
    expect(rows.slice(1).map((r) => [r[0], r[1]])).toEqual(
      EXPECTED_REJECTIONS.map((r) => [String(r.line), r.reason]),
    );
    expect(rows[1]).toEqual([
      "3",
      'invalid email "not-an-email"',
      "not-an-email",
      "Bob",
      "Tables",
      "Acme",
    ]);
    expect(rows[3]?.slice(2)).toEqual(["ADA@example.com ", "Ada", "Other", "Duplicate Inc"]);
    expect(rows[5]).toEqual([
      "9",
      'invalid email "mallory@@example.com"',
      "mallory@@example.com",
      `'=HYPERLINK("http://evil.example","click")`,
      "'+1",
      "'@SUM(A1)",
    ]);
    // No cell a spreadsheet would run as a formula.
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@]/);
  });

  it("--strict commits nothing when a row is rejected (exit 2)", async () => {
    const b = bench();
    const before = await seeded(b);
    b.file("a.csv", WITH_REJECTS);
    const result = await b.run(["import", "a.csv", "--event", "summit", "--strict"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--strict: 5 of 8 rows rejected; nothing imported");
    expect(result.stderr).toContain(`${b.path("a.csv")}:3: invalid email`);
    expect(await b.snapshot()).toEqual(before);
  });

  it("--strict imports a clean file", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    const result = await b.run(["import", "a.csv", "--event", "summit", "--yes", "--strict"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("3 new");
  });

  it("refuses a file whose every row is rejected (exit 2)", async () => {
    const b = bench();
    const before = await seeded(b);
    b.file("a.csv", "email,name\nnope,A\n,B\nalso nope,C\n");
    const result = await b.run(["import", "a.csv", "--event", "summit"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("a.csv:2: invalid email");
    expect(result.stderr).toContain("every row was rejected; nothing imported");
    expect(await b.snapshot()).toEqual(before);
  });

  it("shows the first 20 rejections and points at --rejects for the rest", async () => {
    const b = bench();
    const rows = ["email"];
    for (let i = 0; i < 25; i++) rows.push(`bad-${i}`);
    rows.push("ok@example.com");
    b.file("a.csv", rows.join("\n"));
    const result = await b.run(["import", "a.csv", "--event", "summit", "--yes"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('a.csv:21: invalid email "bad-19"');
    expect(result.stderr).not.toContain("a.csv:22:");
    expect(result.stderr).toContain(
      "… and 5 more rejected rows (list them all with --rejects FILE)",
    );
  });
});

describe("evcred import --dry-run", () => {
  it("reports new, updated and unchanged attendees and changes nothing", async () => {
    const b = bench();
    const before = await seeded(b);
    b.file(
      "next.csv",
      [
        "email,first_name,last_name,company",
        "ada@example.com,Ada,Lovelace,Analytical Engines",
        "grace@example.com,Grace,Hopper,US Navy Reserve",
        "katherine@example.com,Katherine,Johnson,NASA",
        "nope,No,Body,",
      ].join("\n"),
    );
    const result = await b.run(["import", "next.csv", "--event", "summit", "--dry-run", "--json"]);
    expect(result.code).toBe(3);
    expect(result.json()).toMatchObject({
      event: "summit",
      dryRun: true,
      committed: false,
      new: 1,
      updated: 1,
      unchanged: 1,
      rejected: [{ line: 5, reason: 'invalid email "nope"' }],
    });
    expect(result.stderr).toContain(
      "dry run: 1 new, 1 updated, 1 unchanged, 1 rejected; nothing changed",
    );
    expect(await b.snapshot()).toEqual(before);
  });

  it("does not create an unknown event, nor ask to", async () => {
    const b = bench();
    const before = await seeded(b);
    b.file("a.csv", SAMPLE_CSV);
    const result = await b.run(["import", "a.csv", "--event", "other", "--dry-run"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("dry run: 3 new, 0 updated, 0 unchanged, 0 rejected");
    expect(b.questions).toEqual([]);
    expect(await b.snapshot()).toEqual(before);
  });
});

describe("evcred import: creating the event", () => {
  it("asks on a terminal and creates the event when the answer is yes", async () => {
    const b = bench();
    await b.run(["init"]);
    b.file("a.csv", SAMPLE_CSV);
    const result = await b.run(["import", "a.csv", "--event", "summit-2026"], {
      tty: true,
      answers: [true],
    });
    expect(result.code, result.stderr).toBe(0);
    expect(b.questions).toEqual(['event "summit-2026" does not exist; create it?']);
    expect(result.stderr).toContain("created event summit-2026");
    const show = await b.run(["event", "show", "summit-2026", "--json"]);
    expect(show.json()).toMatchObject({ slug: "summit-2026", name: "Summit 2026", attendees: 3 });
  });

  it("imports nothing when the answer is no (exit 130)", async () => {
    const b = bench();
    const before = await seeded(b);
    b.file("a.csv", SAMPLE_CSV);
    const result = await b.run(["import", "a.csv", "--event", "other"], {
      tty: true,
      answers: [false],
    });
    expect(result.code).toBe(130);
    expect(result.stderr).toContain("nothing imported");
    expect(await b.snapshot()).toEqual(before);
  });

  it("does not ask with --yes", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    const result = await b.run(["import", "a.csv", "--event", "other", "--yes"], { tty: true });
    expect(result.code).toBe(0);
    expect(b.questions).toEqual([]);
  });

  it("asks for an event when there is none and no --event", async () => {
    const b = bench();
    await b.run(["init"]);
    const before = await b.snapshot();
    b.file("a.csv", SAMPLE_CSV);
    const result = await b.run(["import", "a.csv"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("there is no event yet");
    expect(result.stderr).toContain("--event SLUG");
    expect(await b.snapshot()).toEqual(before);
  });
});
