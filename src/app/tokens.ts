/**
 * The token a successful login hands the venue: claims from the event and the attendee, signed
 * by the vault (EdDSA), or with the event's shared secret (HS256) for venues that take only one.
 */
import { readFileSync } from "node:fs";
import { DEFAULT_TOKEN_TTL_SECONDS } from "../domain/events.js";
import { publishedSigningKeys } from "../domain/signing-keys.js";
import type { AttendeeRow, EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";
import { EvcredError } from "../errors.js";
import { newWorkspaceSecret } from "../vault/venue-keys.js";
import { pseudonymousId, signToken, type PublicJwk, type TokenSigner } from "../vault/tokens.js";

export interface IssuedToken {
  token: string;
  uid: string;
  expiresAt: string;
}

export async function issueToken(
  ws: Workspace,
  event: EventRow,
  attendee: AttendeeRow,
  issuer: string,
  now: Date,
): Promise<IssuedToken> {
  const uid = await attendeeUid(ws, event, attendee);
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + (event.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS);
  const name = fullName(attendee);
  const token = await signToken(await signerFor(ws, event), {
    iss: issuer,
    aud: event.tokenAudience ?? event.slug,
    sub: uid,
    iat,
    exp,
    uid,
    email: attendee.email,
    name,
    event: event.slug,
    traits: ["evcred", `evcred-event-${event.slug}`],
    profile: { display_name: name || attendee.email },
  });
  return { token, uid, expiresAt: new Date(exp * 1000).toISOString() };
}

/**
 * What `/.well-known/jwks.json` publishes: the public half of the current signing key, and of
 * the keys retired by `key rotate` whose tokens may still be alive.
 */
export async function publicKeys(ws: Workspace, now: Date): Promise<{ keys: PublicJwk[] }> {
  const current = (await ws.currentVault()).signingKey().publicJwk;
  return { keys: await publishedSigningKeys(ws.store.meta, current, now) };
}

/** The attendee's stable pseudonymous id in the event (the tokens' `sub` and `uid`). */
export async function attendeeUid(
  ws: Workspace,
  event: EventRow,
  attendee: AttendeeRow,
): Promise<string> {
  return pseudonymousId(await uidKey(ws), event.id, attendee.id);
}

export function fullName(attendee: AttendeeRow): string {
  return `${attendee.firstName} ${attendee.lastName}`.trim();
}

async function signerFor(ws: Workspace, event: EventRow): Promise<TokenSigner> {
  if (!event.tokenSecretFile) return { kind: "eddsa", key: (await ws.currentVault()).signingKey() };
  // Read at every login: replacing the file changes the secret without restarting `serve`.
  try {
    return { kind: "hs256", secret: readSecretFile(event.tokenSecretFile) };
  } catch (error) {
    throw new EvcredError(
      `the token secret file of event ${event.slug} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** An HS256 secret from a file: its bytes, without the final newline an editor adds. */
export function readSecretFile(path: string): Uint8Array {
  const bytes = readFileSync(path);
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
  return bytes.subarray(0, end);
}

/**
 * The key of the pseudonymous ids: made once per workspace. Two processes making it at once
 * both keep the one written first.
 */
async function uidKey(ws: Workspace): Promise<Buffer> {
  let stored = await ws.getMeta("uid_key");
  if (!stored) {
    await ws.store.meta.add("uid_key", newWorkspaceSecret());
    stored = (await ws.getMeta("uid_key")) ?? "";
  }
  return Buffer.from(stored, "base64url");
}
