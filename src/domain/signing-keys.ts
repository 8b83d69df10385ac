/**
 * The token signing keys a venue must still accept. The current one is derived from the master
 * key; a `key rotate` retires it here (its public half only), and the JWKS keeps publishing it
 * for as long as a token it signed can live, so tokens signed before a rotation verify until
 * they expire.
 */
import type { MetaQueries } from "../store/store.js";
import type { PublicJwk } from "../vault/tokens.js";

/** The longest `--token-ttl` allows: no token signed by a retired key outlives this. */
export const MAX_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

interface RetiredKey {
  jwk: PublicJwk;
  retiredAt: string;
}

export const RETIRED_KEYS_META = "retired_signing_keys";
const META_KEY = RETIRED_KEYS_META;

/** Records `jwk` as retired at `at`; keys retired longer than a token can live are dropped. */
export async function retireSigningKey(
  meta: MetaQueries,
  jwk: PublicJwk,
  at: string,
): Promise<void> {
  await meta.set(META_KEY, withRetired(await meta.get(META_KEY), jwk, at));
}

/** The stored list of retired keys (`stored`) with `jwk` retired at `at` added. */
export function withRetired(stored: string | undefined, jwk: PublicJwk, at: string): string {
  const kept = stillValid(parseRetired(stored), new Date(at)).filter((k) => k.jwk.kid !== jwk.kid);
  return JSON.stringify([...kept, { jwk, retiredAt: at }]);
}

/** The current key and the retired ones whose tokens may still be alive. */
export async function publishedSigningKeys(
  meta: MetaQueries,
  current: PublicJwk,
  now: Date,
): Promise<PublicJwk[]> {
  const retired = stillValid(await readRetired(meta), now)
    .map((k) => k.jwk)
    .filter((k) => k.kid !== current.kid);
  return [current, ...retired];
}

function stillValid(keys: RetiredKey[], now: Date): RetiredKey[] {
  return keys.filter((k) => Date.parse(k.retiredAt) + MAX_TOKEN_TTL_SECONDS * 1000 > now.getTime());
}

async function readRetired(meta: MetaQueries): Promise<RetiredKey[]> {
  return parseRetired(await meta.get(META_KEY));
}

function parseRetired(stored: string | undefined): RetiredKey[] {
  if (!stored) return [];
  try {
    const parsed = JSON.parse(stored) as unknown;
    return Array.isArray(parsed) ? (parsed as RetiredKey[]) : [];
  } catch {
    return [];
  }
}
