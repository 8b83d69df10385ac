/**
 * Login tokens: JWTs signed EdDSA (Ed25519) with a key derived from the master key, or HS256 with
 * an event's shared secret (venueless). Everything that touches signing keys or the key that
 * makes attendees' pseudonymous ids lives here; callers get tokens, ids and public keys.
 */
import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
} from "node:crypto";
import { SignJWT } from "jose";

/** PKCS#8 DER of an Ed25519 private key, up to the 32-byte seed (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export interface PublicJwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
  kid: string;
  alg: "EdDSA";
  use: "sig";
}

export interface SigningKey {
  readonly kid: string;
  readonly publicJwk: PublicJwk;
  readonly privateKey: KeyObject;
}

export function signingKeyFromSeed(seed: Buffer): SigningKey {
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: "der",
    type: "pkcs8",
  });
  const exported = createPublicKey(privateKey).export({ format: "jwk" });
  const x = typeof exported.x === "string" ? exported.x : "";
  // RFC 7638 thumbprint: the same key always has the same kid, whoever computes it.
  const kid = createHash("sha256")
    .update(JSON.stringify({ crv: "Ed25519", kty: "OKP", x }))
    .digest("base64url");
  return {
    kid,
    privateKey,
    publicJwk: { kty: "OKP", crv: "Ed25519", x, kid, alg: "EdDSA", use: "sig" },
  };
}

export interface TokenClaims {
  iss: string;
  aud: string;
  sub: string;
  iat: number;
  exp: number;
  [claim: string]: unknown;
}

/** How a token is signed: the vault's Ed25519 key, or an event's shared HS256 secret. */
export type TokenSigner =
  { kind: "eddsa"; key: SigningKey } | { kind: "hs256"; secret: Uint8Array };

export async function signToken(signer: TokenSigner, claims: TokenClaims): Promise<string> {
  const { iss, aud, sub, iat, exp, ...rest } = claims;
  const jwt = new SignJWT(rest)
    .setIssuer(iss)
    .setAudience(aud)
    .setSubject(sub)
    .setIssuedAt(iat)
    .setExpirationTime(exp);
  if (signer.kind === "hs256") {
    return jwt.setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(signer.secret);
  }
  return jwt
    .setProtectedHeader({ alg: "EdDSA", typ: "JWT", kid: signer.key.kid })
    .sign(signer.key.privateKey);
}

/**
 * An attendee's stable pseudonymous id in one event: neither the email nor a row id, and
 * different in every event. The key is the workspace's own (not derived from the master key),
 * so a key rotation does not turn every attendee into a stranger to the venue.
 */
export function pseudonymousId(uidKey: Buffer, eventId: number, attendeeId: number): string {
  return createHmac("sha256", uidKey)
    .update(`evcred uid v1 event=${eventId} attendee=${attendeeId}`)
    .digest("base64url")
    .slice(0, 22);
}
