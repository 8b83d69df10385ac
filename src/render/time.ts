/**
 * Every time shown to a person goes through here: in the event's zone (UTC when it has none),
 * to the minute, with the zone named, in the reader's language. `--json` keeps ISO UTC and
 * never comes here.
 */

export interface TimeFormat {
  /** IANA zone; null or undefined: UTC. */
  zone?: string | null | undefined;
  /** `en`, `es`, `fr`, `de`, `pt` (or any BCP 47 tag); default `en`. */
  locale?: string | undefined;
  /**
   * `long` (default): `4 May 2026, 11:00 (Europe/Madrid)`, for sentences and emails;
   * `short`: `2026-05-04 11:00:07`, for table columns whose header names the zone (`zoneLabel`);
   * `time`: `11:00 (Europe/Madrid)`, for what happens later today ("locked until …").
   */
  style?: "long" | "short" | "time" | undefined;
}

/** `4 May 2026, 11:00 (Europe/Madrid)`; an unreadable value is shown as it is. */
export function formatTime(at: Date | string, options: TimeFormat = {}): string {
  const date = typeof at === "string" ? new Date(at) : at;
  if (Number.isNaN(date.getTime())) return String(at);
  const zone = zoneLabel(options.zone);
  const style = options.style ?? "long";
  if (style === "short") return shortTime(date, zone);
  const time = format(options.locale, zone, "time").format(date);
  if (style === "time") return `${time} (${zone})`;
  return `${format(options.locale, zone, "date").format(date)}, ${time} (${zone})`;
}

/** The zone as shown: the IANA name, `UTC` for none. */
export function zoneLabel(zone: string | null | undefined): string {
  return zone || "UTC";
}

/** English reads day-month-year here (`4 May 2026`), as the rest of the world writes it. */
const INTL_LOCALE: Record<string, string> = { en: "en-GB", pt: "pt-PT" };

const cache = new Map<string, Intl.DateTimeFormat>();

function format(locale: string | undefined, zone: string, part: "date" | "time" | "iso") {
  const tag = INTL_LOCALE[locale ?? "en"] ?? locale ?? "en-GB";
  const key = `${tag} ${zone} ${part}`;
  let f = cache.get(key);
  if (!f) {
    const fields: Intl.DateTimeFormatOptions =
      part === "date"
        ? { day: "numeric", month: "long", year: "numeric" }
        : part === "time"
          ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
          : {
              year: "numeric",
              month: "2-digit",
              day: "2-digit",
              hour: "2-digit",
              minute: "2-digit",
              second: "2-digit",
              hourCycle: "h23",
            };
    f = new Intl.DateTimeFormat(part === "iso" ? "en-CA" : tag, { ...fields, timeZone: zone });
    cache.set(key, f);
  }
  return f;
}

function shortTime(date: Date, zone: string): string {
  const p: Record<string, string> = {};
  for (const part of format("en", zone, "iso").formatToParts(date)) p[part.type] = part.value;
  const hour = p.hour === "24" ? "00" : (p.hour ?? "00");
  return `${p.year}-${p.month}-${p.day} ${hour}:${p.minute}:${p.second}`;
}

/**
 * When a verification lock ends, as the help desk tells the attendee: "10:42 (Europe/Madrid)",
 * rounded up to the minute (trying again at the time shown always works). The audit log stores
 * the same text, so one function makes both.
 */
export { lockEndInZone as lockEndText } from "../domain/time.js";
