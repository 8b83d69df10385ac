/**
 * The token signing keys a venue must still accept. The current one is derived from the master
 * key; a `key rotate` retires it here (its public half only), and the JWKS keeps publishing it
 * for as long as a token it signed can live, so tokens signed before a rotation verify until
 * they expire.
 */
import type { Workspace } from "../store/workspace.js";
import type { PublicJwk } from "../vault/tokens.js";

/** The longest `--token-ttl` allows: no token signed by a retired key outlives this. */
export const MAX_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

interface RetiredKey {
  jwk: PublicJwk;
  retiredAt: string;
}

const META_KEY = "retired_signing_keys";

/** Records `jwk` as retired at `at`; keys retired longer than a token can live are dropped. */
export function retireSigningKey(ws: Workspace, jwk: PublicJwk, at: string): void {
  const kept = stillValid(readRetired(ws), new Date(at)).filter((k) => k.jwk.kid !== jwk.kid);
  ws.setMeta(META_KEY, JSON.stringify([...kept, { jwk, retiredAt: at }]));
}

/** The current key and the retired ones whose tokens may still be alive. */
export function publishedSigningKeys(ws: Workspace, current: PublicJwk, now: Date): PublicJwk[] {
  const retired = stillValid(readRetired(ws), now)
    .map((k) => k.jwk)
    .filter((k) => k.kid !== current.kid);
  return [current, ...retired];
}

function stillValid(keys: RetiredKey[], now: Date): RetiredKey[] {
  return keys.filter((k) => Date.parse(k.retiredAt) + MAX_TOKEN_TTL_SECONDS * 1000 > now.getTime());
}

function readRetired(ws: Workspace): RetiredKey[] {
  const stored = ws.getMeta(META_KEY);
  if (!stored) return [];
  try {
    const parsed = JSON.parse(stored) as unknown;
    return Array.isArray(parsed) ? (parsed as RetiredKey[]) : [];
  } catch {
    return [];
  }
}
