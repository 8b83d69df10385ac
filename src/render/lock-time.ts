/**
 * When a verification lock ends, as the help desk tells the attendee: "10:42 (Europe/Madrid)".
 * The one place that formats it, so it can take the event's time zone; without one, the
 * machine's. Rounded up to the minute: trying again at the time shown always works.
 */
export function lockEndText(iso: string, timeZone?: string): string {
  const zone = timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const end = new Date(Math.ceil(Date.parse(iso) / 60_000) * 60_000);
  const time = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(end);
  return `${time} (${zone})`;
}
