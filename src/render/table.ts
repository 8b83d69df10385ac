/**
 * Plain aligned columns; wide cells are cut with an ellipsis so rows stay on one line. On a
 * terminal the table takes its width: the widest columns give way until the rows fit, rather
 * than wrap. Elsewhere (a pipe, a file) each cell is cut at 40 characters.
 */
import { oneLine } from "./printable.js";
import type { Theme } from "./theme.js";

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
  align?: "left" | "right";
  max?: number;
}

/** Below this a column is not narrowed further (its header may still be longer). */
const MIN_WIDTH = 6;
const GAP = 2;
const DEFAULT_MAX = 40;

export function formatTable<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  theme: Theme,
  /** The terminal's width in columns, when the table goes to one. */
  terminalWidth?: number,
): string {
  const fit = terminalWidth !== undefined && terminalWidth > 0;
  const texts = rows.map((row) => columns.map((c) => flat(String(c.value(row) ?? ""))));
  const widths = columns.map((c, i) =>
    Math.min(
      c.max ?? (fit ? Infinity : DEFAULT_MAX),
      Math.max(c.header.length, ...texts.map((r) => length(r[i] ?? ""))),
    ),
  );
  if (fit) narrow(widths, terminalWidth);
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => {
        const width = widths[i] ?? 0;
        const cell = cut(v, width);
        const pad = " ".repeat(Math.max(0, width - length(cell)));
        return columns[i]?.align === "right" ? pad + cell : cell + pad;
      })
      .join(" ".repeat(GAP))
      .trimEnd();
  return [theme.bold(line(columns.map((c) => c.header))), ...texts.map(line)].join("\n");
}

/** Takes one character at a time from the widest column until the row fits `total`. */
function narrow(widths: number[], total: number): void {
  const floor = (i: number) => Math.min(widths[i] ?? 0, MIN_WIDTH);
  let excess = widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1) - total;
  while (excess > 0) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (w > floor(i) && (widest < 0 || w > (widths[widest] ?? 0))) widest = i;
    });
    if (widest < 0) return; // as narrow as it goes
    widths[widest] = (widths[widest] ?? 0) - 1;
    excess--;
  }
}

/** A cell is one line (line breaks as ⏎), its runs of spaces as one. */
function flat(text: string): string {
  return oneLine(text).replace(/ {2,}/g, " ");
}

let graphemes: Intl.Segmenter | undefined;
/** East Asian wide and fullwidth characters and emoji take two terminal cells. */
const WIDE =
  /^(?:[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|\p{Extended_Pictographic})/u;

function cells(text: string): { text: string; width: number }[] {
  graphemes ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  return Array.from(graphemes.segment(text), ({ segment }) => ({
    text: segment,
    width: WIDE.test(segment) ? 2 : 1,
  }));
}

/** Width in terminal cells. */
function length(text: string): number {
  // eslint-disable-next-line no-control-regex -- plain ASCII needs no segmenting
  if (/^[\x00-\x7f]*$/.test(text)) return text.length;
  return cells(text).reduce((n, c) => n + c.width, 0);
}

/** At most `max` cells, the last one an ellipsis when something was cut. */
function cut(text: string, max: number): string {
  if (length(text) <= max) return text;
  let out = "";
  let used = 0;
  for (const c of cells(text)) {
    if (used + c.width > max - 1) break;
    out += c.text;
    used += c.width;
  }
  return out.trimEnd() + "…";
}
