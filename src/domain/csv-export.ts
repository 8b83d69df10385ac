/**
 * CSV that evcred writes (rejected rows, exports). Cells that a spreadsheet would run as a
 * formula (`= + - @`, tab, CR, and LF — a quoted field may start with one) are prefixed with
 * `'`, so opening the file runs nothing.
 */

export function neutralizeCell(value: string): string {
  return /^[=+\-@\t\r\n]/.test(value) ? `'${value}` : value;
}

/** A cell as it was before `neutralizeCell`: how an exported file reads back in. */
export function restoreCell(value: string): string {
  return /^'[=+\-@\t\r\n]/.test(value) ? value.slice(1) : value;
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

/** CSV lines handed to `write` one record at a time: nothing is held but the current line. */
export function csvWriter(write: (text: string) => void): {
  line(cells: readonly string[]): void;
} {
  return {
    line(cells) {
      write(csvLine(cells) + "\n");
    },
  };
}
