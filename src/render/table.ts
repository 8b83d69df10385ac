/** Plain aligned columns; wide cells are cut with an ellipsis so rows stay on one line. */
import type { Theme } from "./theme.js";

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
  align?: "left" | "right";
  max?: number;
}

export function formatTable<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  theme: Theme,
): string {
  const cells = rows.map((row) => columns.map((c) => cut(String(c.value(row) ?? ""), c.max ?? 40)));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((r) => (r[i] ?? "").length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => {
        const width = widths[i] ?? 0;
        return columns[i]?.align === "right" ? v.padStart(width) : v.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  return [theme.bold(line(columns.map((c) => c.header))), ...cells.map(line)].join("\n");
}

function cut(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > max ? flat.slice(0, max - 1) + "…" : flat;
}
