/** Small horizontal bar charts from unicode blocks, for a terminal. */
import type { Theme } from "./theme.js";

const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/** A bar of `value / max` of `width` cells, to an eighth of a cell. */
export function bar(value: number, max: number, width: number): string {
  if (max <= 0 || value <= 0) return "";
  const eighths = Math.max(1, Math.round((Math.min(value, max) / max) * width * 8));
  return "█".repeat(Math.floor(eighths / 8)) + (EIGHTHS[eighths % 8] ?? "");
}

export interface BarRow {
  label: string;
  value: number;
  /** Shown after the value, e.g. a percentage. */
  note?: string;
  colour: (text: string) => string;
}

/** One aligned line per row, every bar scaled to the largest value. */
export function barChart(rows: readonly BarRow[], theme: Theme, width = 30): string {
  const max = Math.max(0, ...rows.map((r) => r.value));
  const label = Math.max(...rows.map((r) => r.label.length));
  const digits = Math.max(...rows.map((r) => String(r.value).length));
  return rows
    .map((r) => {
      const drawn = bar(r.value, max, width);
      const note = r.note ? `  ${theme.dim(r.note)}` : "";
      return `${r.label.padEnd(label)}  ${r.colour(drawn)}${" ".repeat(width - drawn.length)}  ${String(r.value).padStart(digits)}${note}`;
    })
    .join("\n");
}
