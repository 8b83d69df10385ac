/**
 * When a campaign runs, as the organizer writes it: relative to the event's start (`-3h`,
 * `-90m`, `-1d`, `-1d@09:00`) or an ISO time. Relative times are kept as written and resolved
 * against the event each time they are read, so moving the event's start moves them. Pure: the
 * clock is a parameter, the caller names the flag.
 */
import {
  resolveDateTime,
  TimeInputError,
  zoneOffsetMinutes,
  zoneParts,
  type LocalDateTime,
} from "./time.js";

export type CampaignWhen =
  /** `-3h`, `-90m`, `+30m`: exactly so long before (or after) the start. */
  | { kind: "offset"; minutes: number; text: string }
  /** `-1d`: the same wall-clock time so many calendar days before, in the event's zone. */
  | { kind: "days"; days: number; text: string }
  /** `-1d@09:00`: that wall-clock time on the day so many days before, in the event's zone. */
  | { kind: "days-at"; days: number; hour: number; minute: number; text: string }
  /** An ISO time: that instant, whatever the event does. */
  | { kind: "fixed"; at: Date; text: string };

export interface CampaignEventTime {
  startsAt: string | null;
  timezone: string | null;
}

/** Why a campaign's time was refused: data for the face to word, naming its flag. */
export class CampaignTimeError extends Error {
  override readonly name = "CampaignTimeError";
  readonly reason: "syntax" | "no-start" | "past" | TimeInputError["reason"];
  readonly hint: string | undefined;
  /** For `past`: when it would have run. */
  readonly wouldHaveRunAt: Date | undefined;

  constructor(
    reason: CampaignTimeError["reason"],
    message: string,
    options: { hint?: string | undefined; wouldHaveRunAt?: Date } = {},
  ) {
    super(message);
    this.reason = reason;
    this.hint = options.hint;
    this.wouldHaveRunAt = options.wouldHaveRunAt;
  }
}

const OFFSET = /^([+-])(\d{1,4})([dhm])$/i;
const DAYS_AT = /^-(\d{1,3})d@(\d{1,2}):(\d{2})$/i;
const EXAMPLES = "-1d, -3h, -90m, -1d@09:00 (09:00 the day before), or 2026-05-03T18:00+02:00";

/**
 * The campaign time `input` names. An ISO time without an offset is read in the event's zone;
 * one with neither an offset nor a zone to read it in is refused (as `event create` does).
 */
export function parseCampaignWhen(input: string, zone: string | null): CampaignWhen {
  const text = input.trim();
  const at = DAYS_AT.exec(text);
  if (at) {
    const [, days, hour, minute] = at.map(Number);
    if ((hour ?? 0) > 23 || (minute ?? 0) > 59) {
      throw new CampaignTimeError("impossible", `"${input}" is not a time of day (00:00-23:59)`, {
        hint: `e.g. ${EXAMPLES}`,
      });
    }
    return { kind: "days-at", days: days ?? 0, hour: hour ?? 0, minute: minute ?? 0, text };
  }
  const offset = OFFSET.exec(text);
  if (offset) {
    const [, sign, amount, unit] = offset;
    const n = Number(amount) * (sign === "-" ? -1 : 1);
    if (unit?.toLowerCase() === "d") return { kind: "days", days: -n, text };
    return { kind: "offset", minutes: unit?.toLowerCase() === "h" ? n * 60 : n, text };
  }
  if (/^\d{4}-/.test(text)) {
    try {
      return { kind: "fixed", at: resolveDateTime(text, zone), text };
    } catch (error) {
      if (!(error instanceof TimeInputError)) throw error;
      throw new CampaignTimeError(error.reason, error.message, { hint: error.hint });
    }
  }
  throw new CampaignTimeError(
    "syntax",
    `"${input}" is neither a time relative to the event's start nor an ISO time`,
    { hint: `e.g. ${EXAMPLES}` },
  );
}

/** The instant `when` falls on for `event`; undefined for a relative one when it has no start. */
export function campaignDueAt(when: CampaignWhen, event: CampaignEventTime): Date | undefined {
  if (when.kind === "fixed") return when.at;
  if (!event.startsAt) return undefined;
  const start = new Date(event.startsAt);
  if (when.kind === "offset") return new Date(start.getTime() + when.minutes * 60_000);
  const zone = event.timezone ?? "UTC";
  const local = zoneParts(start, zone);
  const day = new Date(Date.UTC(local.year, local.month - 1, local.day - when.days));
  const [hour, minute] =
    when.kind === "days-at" ? [when.hour, when.minute] : [local.hour, local.minute];
  return wallTimeIn(
    {
      year: day.getUTCFullYear(),
      month: day.getUTCMonth() + 1,
      day: day.getUTCDate(),
      hour,
      minute,
      second: when.kind === "days" ? local.second : 0,
    },
    zone,
  );
}

/**
 * Checks a new campaign's time: it parses, the event has a start when it is relative to one, and
 * it is not already past at `now` (it would never run, or run at once as `missed`). Returns the
 * parsed time and the instant it falls on now.
 */
export function planCampaignTime(
  input: string,
  event: CampaignEventTime,
  now: Date,
): { when: CampaignWhen; dueAt: Date } {
  const when = parseCampaignWhen(input, event.timezone);
  const dueAt = campaignDueAt(when, event);
  if (!dueAt) {
    throw new CampaignTimeError(
      "no-start",
      `"${input}" is relative to the event's start, and the event has no start time`,
    );
  }
  if (dueAt.getTime() <= now.getTime()) {
    throw new CampaignTimeError("past", `"${input}" is already past`, { wouldHaveRunAt: dueAt });
  }
  return { when, dueAt };
}

type WallTime = Omit<LocalDateTime, "millisecond">;

/**
 * The instant a wall-clock time has in `zone`; the earlier of an autumn hour passed twice, and,
 * for one the clocks skip in spring, the same distance past the gap (02:30 → 03:30).
 */
function wallTimeIn(t: WallTime, zone: string): Date {
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const text = `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
  try {
    return resolveDateTime(text, zone);
  } catch (error) {
    if (!(error instanceof TimeInputError) || error.reason !== "skipped") throw error;
    const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
    return new Date(wall - zoneOffsetMinutes(new Date(wall - 86_400_000), zone) * 60_000);
  }
}
