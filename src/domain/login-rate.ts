/**
 * Logins per minute, for the organizer watching the doors open (`stats --watch`). Pure: it
 * buckets the times it is given; the store reads them (`loginTimesSince` in stats.ts).
 */

export const MINUTE_MS = 60_000;

export interface MinuteBuckets {
  /** ISO UTC, the start of the first (oldest) minute. */
  start: string;
  /** Logins in each minute, oldest first; the last is the minute `now` is in, so far. */
  counts: number[];
}

/** The start of the oldest of the `minutes` whole minutes that end with the one `now` is in. */
export function bucketsStart(now: Date, minutes = 60): Date {
  const current = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
  return new Date(current - (minutes - 1) * MINUTE_MS);
}

/**
 * Counts `times` (ISO) into the `minutes` minutes up to and including `now`'s. Times before the
 * first minute, after `now`'s minute or unreadable are left out.
 */
export function loginsPerMinute(times: readonly string[], now: Date, minutes = 60): MinuteBuckets {
  const start = bucketsStart(now, minutes);
  const counts = Array.from({ length: minutes }, () => 0);
  for (const at of times) {
    const ms = Date.parse(at);
    if (Number.isNaN(ms)) continue;
    const i = Math.floor((ms - start.getTime()) / MINUTE_MS);
    if (i >= 0 && i < minutes) counts[i] = (counts[i] ?? 0) + 1;
  }
  return { start: start.toISOString(), counts };
}
