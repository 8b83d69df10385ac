import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { detectDelimiter, readCsv, type CsvProblem, type CsvRecord } from "../../src/domain/csv.js";
import { UsageError } from "../../src/errors.js";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "evcred-csv-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function read(path: string): Promise<{ records: CsvRecord[]; problems: CsvProblem[] }> {
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  for await (const record of readCsv(path, (p) => problems.push(p))) records.push(record);
  return { records, problems };
}

/** The error reading `path` fails with; the test fails if it does not. */
async function failure(path: string): Promise<UsageError> {
  try {
    await read(path);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`reading ${path} did not fail`);
}

function utf16be(text: string): Buffer {
  return Buffer.from(text, "utf16le").swap16();
}

const HEADER = ["email", "first_name", "last_name"];
const ADA = ["ada@example.com", "Ada", "Lövelace"];

describe("readCsv encodings", () => {
  it("reads UTF-8 without a BOM", async () => {
    const { records } = await read(
      file("a.csv", "email,first_name,last_name\nada@example.com,Ada,Lövelace\n"),
    );
    expect(records).toEqual([
      { line: 1, fields: HEADER },
      { line: 2, fields: ADA },
    ]);
  });

  it("reads UTF-8 with a BOM, which does not stick to the first header", async () => {
    const { records } = await read(
      file("a.csv", "\uFEFFemail,first_name,last_name\nada@example.com,Ada,Lövelace\n"),
    );
    expect(records[0]?.fields[0]).toBe("email");
    expect(records[1]?.fields).toEqual(ADA);
  });

  it("reads UTF-16LE with a BOM (Excel's Unicode text: tab-separated, CRLF)", async () => {
    const text = "email\tfirst_name\tlast_name\r\nada@example.com\tAda\tLövelace\r\n";
    const path = file(
      "a.txt",
      Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(text, "utf16le")]),
    );
    expect((await read(path)).records).toEqual([
      { line: 1, fields: HEADER },
      { line: 2, fields: ADA },
    ]);
  });

  it("reads UTF-16BE with a BOM", async () => {
    const text = "email;first_name;last_name\nada@example.com;Ada;Lövelace\n";
    const path = file("a.txt", Buffer.concat([Buffer.of(0xfe, 0xff), utf16be(text)]));
    expect((await read(path)).records).toEqual([
      { line: 1, fields: HEADER },
      { line: 2, fields: ADA },
    ]);
  });

  it("reports invalid UTF-8 with the line it is on", async () => {
    const bytes = Buffer.concat([
      Buffer.from("email,name\nada@example.com,Ada\n\ngrace@example.com,Gr"),
      Buffer.of(0xe9),
      Buffer.from("ce\nalan@example.com,Alan\n"),
    ]);
    const error = await failure(file("latin1.csv", bytes));
    expect(error.message).toBe(`${join(dir, "latin1.csv")}:4: not UTF-8 text`);
    expect(error.hint).toMatch(/CSV UTF-8/);
  });

  it("reports invalid UTF-8 far into a long file with the right line", async () => {
    const rows = ["email,name"];
    for (let i = 0; i < 5_000; i++) rows.push(`user${i}@example.com,Name ${i}`);
    const bytes = Buffer.concat([
      Buffer.from(rows.join("\r\n") + "\r\n" + "bad@example.com,"),
      Buffer.of(0xff),
      Buffer.from("\r\n"),
    ]);
    expect((await failure(file("long.csv", bytes))).message).toMatch(/:5002: not UTF-8 text$/);
  });

  it("does not mistake a character split between two reads for bad bytes", async () => {
    // The file is read 64 KiB at a time; put "é" across the boundary, and a bad byte later.
    const first = "email,name\n" + "x".repeat(64 * 1024 - 11 - 1);
    const good = Buffer.from(first + "é\nada@example.com,Ada\n");
    const { records } = await read(file("split.csv", good));
    expect(records.at(-1)).toEqual({ line: 3, fields: ["ada@example.com", "Ada"] });
    const bad = Buffer.concat([good, Buffer.from("grace@example.com,"), Buffer.of(0xff)]);
    expect((await failure(file("split-bad.csv", bad))).message).toMatch(/:4: not UTF-8 text$/);
  });

  it("reports a file cut in the middle of a character", async () => {
    const bytes = Buffer.concat([Buffer.from("email,name\nada@example.com,Ad"), Buffer.of(0xc3)]);
    expect((await failure(file("cut.csv", bytes))).message).toMatch(/cut\.csv:2: not UTF-8 text$/);
  });

  it("reports UTF-16 with an odd byte at the end", async () => {
    const bytes = Buffer.concat([
      Buffer.of(0xff, 0xfe),
      Buffer.from("email,name\nada@example.com,Ada\n", "utf16le"),
      Buffer.of(0x41),
    ]);
    expect((await failure(file("odd.txt", bytes))).message).toMatch(/:3: not UTF-16 text$/);
  });

  it("refuses a file with NUL bytes as not text", async () => {
    const png = Buffer.concat([Buffer.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0)]);
    const error = await failure(file("logo.csv", png));
    expect(error.message).toBe(
      `${join(dir, "logo.csv")} is not a text file (it contains NUL bytes)`,
    );
  });
});

describe("readCsv delimiters", () => {
  it.each([
    [",", "email,first_name,last_name\nada@example.com,Ada,Lövelace\n"],
    [";", "email;first_name;last_name\nada@example.com;Ada;Lövelace\n"],
    ["tab", "email\tfirst_name\tlast_name\nada@example.com\tAda\tLövelace\n"],
  ])("detects %s", async (_name, text) => {
    expect((await read(file("a.csv", text))).records).toEqual([
      { line: 1, fields: HEADER },
      { line: 2, fields: ADA },
    ]);
  });

  it("keeps the other candidates inside fields", async () => {
    const { records } = await read(
      file("a.csv", 'email;company\nada@example.com;"Engines, Ltd"\ngrace@example.com;Navy, US\n'),
    );
    expect(records.map((r) => r.fields)).toEqual([
      ["email", "company"],
      ["ada@example.com", "Engines, Ltd"],
      ["grace@example.com", "Navy, US"],
    ]);
  });

  it("counts only delimiters outside quotes in the header", () => {
    expect(detectDelimiter('"last; first";email;company')).toBe(";");
    expect(detectDelimiter('"a,b,c,d"\temail\tname')).toBe("\t");
    expect(detectDelimiter("email")).toBe(",");
  });
});

describe("readCsv lines", () => {
  it("numbers records after quoted fields with embedded newlines by their first line", async () => {
    const text = [
      "email,note,company",
      'ada@example.com,"first line',
      "second line",
      'third line",Engines',
      "grace@example.com,plain,Navy",
      'alan@example.com,"a ""quoted"" word',
      'and a second line",Bletchley',
      "katherine@example.com,,NASA",
    ].join("\n");
    const { records } = await read(file("a.csv", text));
    expect(records.map((r) => [r.line, r.fields[0]])).toEqual([
      [1, "email"],
      [2, "ada@example.com"],
      [5, "grace@example.com"],
      [6, "alan@example.com"],
      [8, "katherine@example.com"],
    ]);
    expect(records[1]?.fields[1]).toBe("first line\nsecond line\nthird line");
    expect(records[3]?.fields[1]).toBe('a "quoted" word\nand a second line');
  });

  it("reads CRLF endings, also inside quoted fields", async () => {
    const text = 'email,note\r\nada@example.com,"one\r\ntwo"\r\ngrace@example.com,x\r\n';
    const { records } = await read(file("a.csv", text));
    expect(records).toEqual([
      { line: 1, fields: ["email", "note"] },
      { line: 2, fields: ["ada@example.com", "one\ntwo"] },
      { line: 4, fields: ["grace@example.com", "x"] },
    ]);
  });

  it("reads lone CR endings (old Mac exports)", async () => {
    const { records } = await read(
      file("a.csv", "email,name\rada@example.com,Ada\r\rgrace@example.com,Grace\r"),
    );
    expect(records).toEqual([
      { line: 1, fields: ["email", "name"] },
      { line: 2, fields: ["ada@example.com", "Ada"] },
      { line: 4, fields: ["grace@example.com", "Grace"] },
    ]);
  });

  it("keeps the count across a CRLF split between two reads", async () => {
    const rows = ["email,name"];
    for (let i = 0; i < 5_000; i++) rows.push(`user${i}@example.com,Name ${i}`);
    const { records } = await read(file("long.csv", rows.join("\r\n") + "\r\n"));
    expect(records).toHaveLength(5_001);
    records.forEach((r, i) => {
      expect(r.line).toBe(i + 1);
    });
  });

  it("skips blank lines and rows of only delimiters, and keeps counting them", async () => {
    const text = "\n\nemail;name\n\nada@example.com;Ada\n;;\n  ;  \n\ngrace@example.com;Grace\n\n";
    const { records, problems } = await read(file("a.csv", text));
    expect(records).toEqual([
      { line: 3, fields: ["email", "name"] },
      { line: 5, fields: ["ada@example.com", "Ada"] },
      { line: 9, fields: ["grace@example.com", "Grace"] },
    ]);
    expect(problems).toEqual([]);
  });

  it("reads a last line without a line ending", async () => {
    const { records } = await read(file("a.csv", "email\r\nada@example.com"));
    expect(records.at(-1)).toEqual({ line: 2, fields: ["ada@example.com"] });
  });

  it("reports a quote that is never closed at the line it opens, keeping the rows before", async () => {
    const text =
      'email,name\nada@example.com,"Ada\nLovelace"\n\n\ngrace@example.com,"Grace\nalan@example.com,Alan\n';
    const { records, problems } = await read(file("a.csv", text));
    expect(records.map((r) => r.line)).toEqual([1, 2]);
    expect(problems).toEqual([
      {
        line: 6,
        reason:
          "a quoted field starts here and is never closed (the rest of the file was read into it)",
      },
    ]);
  });
});

describe("readCsv files that cannot be read", () => {
  it("refuses an empty file with a hint at the expected header", async () => {
    const error = await failure(file("empty.csv", ""));
    expect(error.message).toBe(`${join(dir, "empty.csv")} is empty`);
    expect(error.hint).toMatch(/email,first_name,last_name/);
  });

  it("yields nothing for a file of blank lines (the caller calls it empty)", async () => {
    expect((await read(file("blank.csv", "\r\n\n  \n"))).records).toEqual([]);
  });

  it("refuses a missing file", async () => {
    const error = await failure(join(dir, "nope.csv"));
    expect(error.message).toBe(`cannot read ${join(dir, "nope.csv")}: no such file`);
  });

  it("refuses a directory", async () => {
    const folder = join(dir, "folder.csv");
    mkdirSync(folder);
    expect((await failure(folder)).message).toBe(`${folder} is not a file`);
  });
});
