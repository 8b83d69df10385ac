/** How an event is shown: one JSON shape for scripts, a few aligned lines for people. */
import { formatDuration } from "../domain/durations.js";
import { DEFAULT_TOKEN_TTL_SECONDS } from "../domain/events.js";
import type { EventRow } from "../store/schema.js";
import { formatTime } from "./time.js";

export interface EventView {
  slug: string;
  name: string;
  /** ISO UTC. */
  startsAt: string | null;
  /** IANA zone; null: UTC. */
  timezone: string | null;
  locale: string;
  loginUrl: string | null;
  /** Where the sign-in page hands the token over. */
  venueUrl: string | null;
  from: string | null;
  codeLength: number;
  /** The tokens' `aud`. */
  tokenAudience: string;
  /** The tokens' lifetime, as `24h`. */
  tokenTtl: string;
  /** How its tokens are signed: EdDSA (the JWKS) or HS256 with a shared secret's file. */
  tokenSigning: "EdDSA" | "HS256";
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
    venueUrl: row.venueUrl,
    from: row.fromAddress,
    codeLength: row.codeLength,
    tokenAudience: row.tokenAudience ?? row.slug,
    tokenTtl: formatDuration(row.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS),
    tokenSigning: row.tokenSecretFile ? "HS256" : "EdDSA",
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
    ["time zone", view.timezone ?? "none (times are shown in UTC; set one with --timezone)"],
    ["language", view.locale],
    ["login URL", view.loginUrl],
    ["venue URL", view.venueUrl],
    ["from", view.from],
    ["code length", view.codeLength],
    ["token aud", view.tokenAudience],
    ["token TTL", view.tokenTtl],
    ["token alg", view.tokenSigning],
    ...Object.entries(extra),
  ];
  return lines.map(([k, v]) => `${k.padEnd(12)} ${v ?? "-"}`).join("\n");
}
