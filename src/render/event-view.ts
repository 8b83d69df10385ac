/** How an event is shown: one JSON shape for scripts, a few aligned lines for people. */
import type { EventRow } from "../store/schema.js";
import { formatTime, zoneLabel } from "./time.js";

export interface EventView {
  slug: string;
  name: string;
  /** ISO UTC. */
  startsAt: string | null;
  /** IANA zone; null: UTC. */
  timezone: string | null;
  locale: string;
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
    timezone: row.timezone,
    locale: row.locale,
    loginUrl: row.loginUrl,
    from: row.fromAddress,
    codeLength: row.codeLength,
    createdAt: row.createdAt,
  };
}

/** The start as people read it: `4 May 2026, 11:00 (Europe/Madrid)`, or null. */
export function eventStart(view: Pick<EventView, "startsAt" | "timezone">): string | null {
  return view.startsAt === null ? null : formatTime(view.startsAt, { zone: view.timezone });
}

export function describeEvent(
  view: EventView,
  extra: Record<string, string | number> = {},
): string {
  const lines: [string, string | number | null][] = [
    ["slug", view.slug],
    ["name", view.name],
    ["starts at", eventStart(view)],
    ["time zone", zoneLabel(view.timezone)],
    ["language", view.locale],
    ["login URL", view.loginUrl],
    ["from", view.from],
    ["code length", view.codeLength],
    ...Object.entries(extra),
  ];
  return lines.map(([k, v]) => `${k.padEnd(12)} ${v ?? "-"}`).join("\n");
}
