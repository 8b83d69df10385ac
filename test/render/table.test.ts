import { describe, expect, it } from "vitest";
import { formatTable, type Column } from "../../src/render/table.js";
import { createTheme } from "../../src/render/theme.js";

const plain = createTheme({ color: false });
interface Row {
  email: string;
  name: string;
  note: string;
}
const COLUMNS: Column<Row>[] = [
  { header: "EMAIL", value: (r) => r.email },
  { header: "NAME", value: (r) => r.name },
  { header: "NOTE", value: (r) => r.note },
];
const ROWS: Row[] = [
  { email: "ada@example.com", name: "Ada Lovelace", note: "x".repeat(70) },
  { email: "katherine.johnson@nasa.example.gov", name: "Katherine Johnson", note: "short" },
];

// ASCII rows and the one-cell "…": characters are cells.
const widthOf = (line: string) => line.length;

describe("formatTable", () => {
  it("fits the terminal's width, cutting the widest columns with … instead of wrapping", () => {
    for (const width of [60, 80, 120]) {
      const lines = formatTable(ROWS, COLUMNS, plain, width).split("\n");
      expect(lines).toHaveLength(3);
      for (const line of lines) expect(widthOf(line)).toBeLessThanOrEqual(width);
      expect(lines[1]).toContain("…");
    }
  });

  it("shows whole cells when the terminal is wide enough, past the 40 of a pipe", () => {
    const wide = formatTable(ROWS, COLUMNS, plain, 200);
    expect(wide).toContain("x".repeat(70));
    expect(wide).not.toContain("…");
    const piped = formatTable(ROWS, COLUMNS, plain);
    expect(piped).toContain(`${"x".repeat(39)}…`);
  });

  it("counts wide characters as two cells", () => {
    const rows = [{ email: "a@b.jp", name: "東京サミット参加者の名前", note: "" }];
    const [, line = ""] = formatTable(rows, COLUMNS, plain, 24).split("\n");
    // 24 cells: EMAIL 6, a gap of 2, NOTE's header 4 and its gap leave NAME 10: four wide
    // characters (8 cells) and the ellipsis.
    expect(line).toBe("a@b.jp  東京サミ…");
  });

  it("puts each cell on one line: a line break shows as ⏎, a tab as a space", () => {
    const rows = [{ email: "a@b.c", name: "Line one\nline two\tend", note: "" }];
    const out = formatTable(rows, COLUMNS, plain, 80);
    expect(out.split("\n")).toHaveLength(2);
    expect(out).toContain("Line one⏎line two end");
  });
});
