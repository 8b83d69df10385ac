/**
 * Venue keys: random bearer keys the venue's server calls the API with. evcred keeps only their
 * SHA-256 (a key is 256 random bits, so a fast hash is enough: there is nothing to guess).
 */
import { createHash, randomBytes } from "node:crypto";

const PREFIX = "evk_";

export function newVenueKey(): string {
  return PREFIX + randomBytes(32).toString("base64url");
}

export function venueKeyDigest(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** 32 random bytes for a workspace-held key (e.g. the pseudonymous id key), base64url. */
export function newWorkspaceSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** A fresh CSRF cookie value for the attendee pages: 32 random bytes, base64url. */
export function newCsrfNonce(): string {
  return randomBytes(32).toString("base64url");
}
