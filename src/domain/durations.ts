/** Lifetimes written the way people say them: `90m`, `24h`, `7d` (and `30s`). */
const UNITS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** Seconds in `24h`-style text, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,7})([smhd])$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNITS[match[2] as keyof typeof UNITS];
}

/** The way people say `seconds`: 86400 → `24h`, 604800 → `7d`, 5400 → `90m`, 45 → `45s`. */
export function formatDuration(seconds: number): string {
  if (seconds % UNITS.d === 0 && seconds >= 2 * UNITS.d) return `${seconds / UNITS.d}d`;
  if (seconds % UNITS.h === 0) return `${seconds / UNITS.h}h`;
  if (seconds % UNITS.m === 0) return `${seconds / UNITS.m}m`;
  return `${seconds}s`;
}
