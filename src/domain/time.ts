/**
 * Times as people write them: an ISO date-time with an offset is an instant; one without
 * (`2026-05-04T09:00`) is a wall-clock time that means something only in a time zone. Zones are
 * IANA names, checked and converted with Intl (no date library). Pure: no flags, no clock.
 */
import { distance } from "./attendees.js";

/** Why a time or a zone was refused; the caller names the flag or field it came from. */
export class TimeInputError extends Error {
  override readonly name = "TimeInputError";
  readonly reason: "syntax" | "impossible" | "needs-zone" | "skipped" | "unknown-zone";
  readonly hint: string | undefined;

  constructor(reason: TimeInputError["reason"], message: string, hint?: string) {
    super(message);
    this.reason = reason;
    this.hint = hint;
  }
}

/** A wall-clock date and time, no zone. */
export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

export type ParsedTime =
  { kind: "instant"; at: Date } | { kind: "local"; local: LocalDateTime; text: string };

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/**
 * `2026-05-04T09:00:00Z`, `2026-05-04T09:00+02:00`, `2026-05-04T09:00`, `2026-05-04 09:00`,
 * `2026-05-04`. Every part is checked: `2026-02-30`, `25:00` and `+15:00` are refused, where
 * `Date.parse` would roll them over or guess.
 */
export function parseDateTime(input: string): ParsedTime {
  const text = input.trim();
  const m = ISO.exec(text);
  if (!m) {
    throw new TimeInputError(
      "syntax",
      `"${input}" is not an ISO date or date-time`,
      "e.g. 2026-05-04T09:00:00Z, 2026-05-04T09:00+02:00, or 2026-05-04T09:00 with a time zone",
    );
  }
  const [, y, mo, d, h, mi, s, frac, offset] = m;
  const local: LocalDateTime = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h ?? 0),
    minute: Number(mi ?? 0),
    second: Number(s ?? 0),
    millisecond: Math.floor(Number(`0.${frac ?? "0"}`) * 1000),
  };
  assertPossible(local, input);
  if (offset === undefined) return { kind: "local", local, text };
  return {
    kind: "instant",
    at: new Date(wallAsUtc(local) - offsetMinutes(offset, input) * 60_000),
  };
}

/**
 * The instant `input` names: with an offset, that; without, the wall-clock time in `zone`
 * (refused without one). A time the clocks skip (a spring-forward gap) is refused; one they pass
 * twice (autumn) is the first of the two, as calendars do.
 */
export function resolveDateTime(input: string, zone: string | null | undefined): Date {
  const parsed = parseDateTime(input);
  if (parsed.kind === "instant") return parsed.at;
  if (!zone) {
    throw new TimeInputError(
      "needs-zone",
      `"${input}" has no UTC offset and the event has no time zone`,
      "add an offset (2026-05-04T09:00+02:00, or Z for UTC), or give the event a time zone (e.g. Europe/Madrid)",
    );
  }
  return zonedToUtc(parsed.local, zone, input);
}

/**
 * The IANA name, spelt as IANA does (`europe/madrid` → `Europe/Madrid`), or a TimeInputError.
 * A current name that ICU knows by an older one (`Asia/Kolkata`, which it calls `Asia/Calcutta`)
 * is kept as the organizer wrote it.
 */
export function canonicalZone(input: string): string {
  const name = input.trim();
  // Intl on newer Node also takes offsets ("+02:00") as zones; an event's zone must follow DST.
  if (/^[A-Za-z]/.test(name)) {
    let resolved: string | undefined;
    try {
      resolved = new Intl.DateTimeFormat("en", { timeZone: name }).resolvedOptions().timeZone;
    } catch {
      // unknown: suggest below
    }
    if (resolved !== undefined) {
      if (resolved.toLowerCase() === name.toLowerCase()) return resolved;
      return name === name.toLowerCase()
        ? name.replace(/(^|[/_])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase())
        : name;
    }
  }
  const lower = name.toLowerCase();
  const close = Intl.supportedValuesOf("timeZone")
    .map((z) => ({ z, d: distance(lower, z.toLowerCase()) }))
    .filter((c) => c.d <= 3)
    .sort((a, b) => a.d - b.d)[0];
  throw new TimeInputError(
    "unknown-zone",
    `unknown time zone "${input}"${close ? ` (did you mean ${close.z}?)` : ""}`,
    "use an IANA name such as Europe/Madrid, America/New_York or UTC",
  );
}

/** Minutes `zone` is ahead of UTC at `at` (Europe/Madrid in May: 120). */
export function zoneOffsetMinutes(at: Date, zone: string): number {
  const parts = zoneParts(at, zone);
  return Math.round((wallAsUtc(parts) - (at.getTime() - at.getUTCMilliseconds())) / 60_000);
}

/**
 * When a lock ends, for text that is stored (an audit summary): `09:15 (Europe/Madrid)`, the
 * minute in the event's zone (UTC without one), rounded up as the help desk says it.
 */
export function lockEndInZone(iso: string, zone: string | null | undefined): string {
  const end = new Date(Math.ceil(Date.parse(iso) / 60_000) * 60_000);
  const name = zone || "UTC";
  const { hour, minute } = zoneParts(end, name);
  return `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")} (${name})`;
}

/** The wall-clock reading of `at` in `zone`. */
export function zoneParts(at: Date, zone: string): LocalDateTime {
  const fields: Record<string, number> = {};
  for (const part of partsFormat(zone).formatToParts(at)) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? 0,
    month: fields.month ?? 1,
    day: fields.day ?? 1,
    // Some ICU versions say 24 for midnight even with h23.
    hour: (fields.hour ?? 0) % 24,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
    millisecond: 0,
  };
}

function zonedToUtc(local: LocalDateTime, zone: string, input: string): Date {
  const wall = wallAsUtc(local);
  // The offsets in force a day either side cover any transition; try the earlier instant first.
  const candidates = [
    ...new Set([
      zoneOffsetMinutes(new Date(wall - 86_400_000), zone),
      zoneOffsetMinutes(new Date(wall + 86_400_000), zone),
    ]),
  ]
    .map((offset) => new Date(wall - offset * 60_000))
    .sort((a, b) => a.getTime() - b.getTime());
  for (const at of candidates) {
    if (wallAsUtc({ ...zoneParts(at, zone), millisecond: local.millisecond }) === wall) return at;
  }
  throw new TimeInputError(
    "skipped",
    `${input} does not exist in ${zone}: the clocks skip it (daylight saving time starts)`,
    "pick a time outside the gap, or give an explicit offset",
  );
}

function assertPossible(t: LocalDateTime, input: string): void {
  const problem =
    t.month < 1 || t.month > 12
      ? `there is no month ${t.month}`
      : t.day < 1 || t.day > daysIn(t.year, t.month)
        ? `${MONTHS[t.month - 1] ?? ""} ${t.year} has ${daysIn(t.year, t.month)} days`
        : t.hour > 23
          ? `there is no hour ${t.hour} (00-23)`
          : t.minute > 59
            ? `there is no minute ${t.minute} (00-59)`
            : t.second > 59
              ? `there is no second ${t.second} (00-59)`
              : undefined;
  if (problem) throw new TimeInputError("impossible", `"${input}" is not a real time: ${problem}`);
}

function offsetMinutes(offset: string, input: string): number {
  if (offset.toUpperCase() === "Z") return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset);
  const hours = Number(m?.[2] ?? 0);
  const minutes = Number(m?.[3] ?? 0);
  if (hours > 14 || minutes > 59 || (hours === 14 && minutes > 0)) {
    throw new TimeInputError(
      "impossible",
      `"${input}" is not a real time: ${offset} is not a UTC offset (-14:00 to +14:00)`,
    );
  }
  return (m?.[1] === "-" ? -1 : 1) * (hours * 60 + minutes);
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The wall-clock fields read as if they were UTC, in ms: arithmetic without a zone. */
function wallAsUtc(t: LocalDateTime): number {
  const ms = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second, t.millisecond);
  // Date.UTC maps years 0-99 to 1900-1999.
  return t.year < 100 ? new Date(ms).setUTCFullYear(t.year) : ms;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function partsFormat(zone: string): Intl.DateTimeFormat {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formats.set(zone, format);
  }
  return format;
}
