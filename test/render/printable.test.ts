/**
 * Rejected emails and attendees' names reach the terminal with the characters a terminal acts on
 * (CR, ESC, C1 controls, bidi overrides) escaped: a CSV cannot rewrite the lines evcred prints
 * or make one email read as another.
 */
import { describe, expect, it } from "vitest";
import { printable, printableLines } from "../../src/render/printable.js";
import { benchPerTest } from "../helpers/workspace.js";

const bench = benchPerTest();
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe("printable", () => {
  it("escapes controls and bidi characters, keeps evcred's own newlines and colours", () => {
    expect(printable("a\r\nb\u0085c\u202ed\u001b[2J")).toBe("a\\r\\nb\\u0085c\\u202ed\\u001b[2J");
    expect(printableLines("\u001b[31merror:\u001b[39m x\u202e\ny\tz\r")).toBe(
      "\u001b[31merror:\u001b[39m x\\u202e\ny\tz\\r",
    );
  });
});

describe("import and attendees list on a terminal", () => {
  it("show rejected emails and names escaped", async () => {
    const b = bench();
    b.file(
      "a.csv",
      [
        "email,name",
        '"evil\r\nerror: all codes leaked@example.com",X',
        '"moc.live\u202e@ada",Y',
        '"c1\u009b31m@example.com",Z',
        "ada@example.com,Ada \u202eReversed",
      ].join("\n") + "\n",
    );
    const r = await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(
      'a.csv:2: invalid email "evil\\nerror: all codes leaked@example.com"',
    );
    expect(r.stderr).toContain('a.csv:4: invalid email "moc.live\\u202e@ada"');
    expect(r.stderr).not.toMatch(RAW);
    const list = await b.run(["attendees", "list"]);
    expect(list.stdout).toContain("Ada \\u202eReversed");
    // An email holding a control or format character is no address at all: refused, escaped.
    expect(r.stderr).toContain('a.csv:5: invalid email "c1\\u009b31m@example.com"');
    expect(list.stdout).not.toContain("c1");
    expect(list.stdout).not.toMatch(RAW);
  });
});
