/** How an event is shown: one JSON shape for scripts, a few aligned lines for people. */
import type { EventRow } from "../store/schema.js";

export interface EventView {
  slug: string;
  name: string;
  startsAt: string | null;
  loginUrl: string | null;
  from: string | null;
  codeLength: number;
  createdAt: string;
}

export function eventView(row: EventRow): EventView {
  return {
    slug: row.slug,
    name: row.name,
    startsAt: row.startsAt,
    loginUrl: row.loginUrl,
    from: row.fromAddress,
    codeLength: row.codeLength,
    createdAt: row.createdAt,
  };
}

export function describeEvent(
  view: EventView,
  extra: Record<string, string | number> = {},
): string {
  const lines: [string, string | number | null][] = [
    ["slug", view.slug],
    ["name", view.name],
    ["starts at", view.startsAt],
    ["login URL", view.loginUrl],
    ["from", view.from],
    ["code length", view.codeLength],
    ...Object.entries(extra),
  ];
  return lines.map(([k, v]) => `${k.padEnd(12)} ${v ?? "-"}`).join("\n");
}
