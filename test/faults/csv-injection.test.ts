/**
 * CSV that evcred writes (`import --rejects`, the only export) opened in a spreadsheet must run
 * nothing: every cell a spreadsheet would take for a formula (`= + - @`, or a leading tab or CR)
 * is written with a `'` in front. End to end: a real `bin/evcred.cjs` process, the file read back
 * by a CSV parser as a spreadsheet would. (The in-process test of --rejects is in
 * test/commands/import-errors.test.ts.)
 */
import { parse } from "csv-parse/sync";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sandbox } from "../helpers/faults.js";

const HOSTILE = [
  '=HYPERLINK("http://evil.example","click")',
  "+1+2",
  "-2+3",
  "@SUM(A1:A9)",
  "=cmd|' /C calc'!A0",
  "\t=1+1",
  "\r=1+1",
];

describe("CSV written by evcred", () => {
  it("neutralizes every cell a spreadsheet would run, header included, and keeps the rest as it was", async () => {
    const box = sandbox("csv-injection");
    try {
      const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
      const rows = [
        ["email", "name", "=formula-header"].map(quote).join(","),
        ...HOSTILE.map((cell, i) => [`bad-${i}`, cell, "plain"].map(quote).join(",")),
        ["ok@example.com", "Ok", "-"].map(quote).join(","),
      ];
      writeFileSync(join(box.dir, "a.csv"), rows.join("\n") + "\n");
      const r = await box.run([
        "import",
        "a.csv",
        "--event",
        "ev",
        "--yes",
        "--rejects",
        "rejects.csv",
      ]);
      expect(r.code, r.stderr).toBe(3);
      const file = join(box.dir, "rejects.csv");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const cells: string[][] = parse(readFileSync(file, "utf8"), { relax_column_count: true });
      expect(cells[0]).toEqual(["line", "reason", "email", "name", "'=formula-header"]);
      // Line endings inside a quoted field are read as "\n": the CR cell comes back as LF.
      expect(cells.slice(1).map((row) => row[3])).toEqual(
        HOSTILE.map((h) => `'${h.replace(/^\r/, "\n")}`),
      );
      for (const row of cells) {
        for (const cell of row) expect(cell, JSON.stringify(cell)).not.toMatch(/^[=+\-@\t\r\n]/);
      }
    } finally {
      box.remove();
    }
  });
});
