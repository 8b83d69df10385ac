/** How an event is shown: one JSON shape for scripts, a few aligned lines for people. */
import { formatDuration } from "../domain/durations.js";
import { DEFAULT_TOKEN_TTL_SECONDS } from "../domain/events.js";
import type { EventRow } from "../store/schema.js";

export interface EventView {
  slug: string;
  name: string;
  startsAt: string | null;
  loginUrl: string | null;
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
    loginUrl: row.loginUrl,
    from: row.fromAddress,
    codeLength: row.codeLength,
    tokenAudience: row.tokenAudience ?? row.slug,
    tokenTtl: formatDuration(row.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS),
    tokenSigning: row.tokenSecretFile ? "HS256" : "EdDSA",
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
    ["token aud", view.tokenAudience],
    ["token TTL", view.tokenTtl],
    ["token alg", view.tokenSigning],
    ...Object.entries(extra),
  ];
  return lines.map(([k, v]) => `${k.padEnd(12)} ${v ?? "-"}`).join("\n");
}
