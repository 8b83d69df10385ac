/**
 * CSV that evcred writes (rejected rows, exports). Cells that a spreadsheet would run as a
 * formula (`= + - @`, tab, CR, and LF — a quoted field may start with one) are prefixed with
 * `'`, so opening the file runs nothing.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { errorReason, UsageError } from "../errors.js";

export function neutralizeCell(value: string): string {
  return /^[=+\-@\t\r\n]/.test(value) ? `'${value}` : value;
}

export function csvLine(cells: readonly string[]): string {
  return cells
    .map((raw) => {
      const cell = neutralizeCell(raw);
      return /[",\n\r]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
    })
    .join(",");
}

/** The whole CSV document, header first. */
export function csvText(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map(csvLine).join("\n") + "\n";
}

/** Written 0600: it holds attendees' personal data. `flag` names the file in errors. */
export function writeCsvFile(
  path: string,
  header: readonly string[],
  rows: readonly (readonly string[])[],
  flag = "--rejects",
): void {
  const text = csvText(header, rows);
  try {
    writeFileSync(path, text, { mode: 0o600 });
    chmodSync(path, 0o600); // an existing file keeps its mode on write
  } catch (error) {
    const code = errorReason(error);
    throw new UsageError(`${flag}: cannot write ${path}: ${code}`);
  }
}
