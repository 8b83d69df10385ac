import { createHash, randomBytes } from "node:crypto";
import { importJWK, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { pseudonymousId, signToken } from "../../src/vault/tokens.js";
import { newVenueKey, venueKeyDigest } from "../../src/vault/venue-keys.js";
import { Vault } from "../../src/vault/vault.js";

describe("token signing keys", () => {
  it("are derived from the master key: the same key gives the same Ed25519 key and kid, another a different one", async () => {
    const master = randomBytes(32);
    const one = new Vault(master, "k").signingKey();
    const two = new Vault(Buffer.from(master), "k").signingKey();
    const other = new Vault(randomBytes(32), "k").signingKey();
    expect(two.publicJwk).toEqual(one.publicJwk);
    expect(other.kid).not.toBe(one.kid);
    // kid is the RFC 7638 thumbprint of the public key.
    const expected = createHash("sha256")
      .update(JSON.stringify({ crv: "Ed25519", kty: "OKP", x: one.publicJwk.x }))
      .digest("base64url");
    expect(one.kid).toBe(expected);
    // A token signed with one vault verifies with the other's public key.
    const token = await signToken(
      { kind: "eddsa", key: one },
      {
        iss: "http://x",
        aud: "a",
        sub: "s",
        iat: 1_800_000_000,
        exp: 4_000_000_000,
      },
    );
    const { payload } = await jwtVerify(token, await importJWK(two.publicJwk, "EdDSA"));
    expect(payload.sub).toBe("s");
  });

  it("pseudonymous ids are stable, per event and attendee, and reveal neither", () => {
    const key = randomBytes(32);
    expect(pseudonymousId(key, 1, 2)).toBe(pseudonymousId(key, 1, 2));
    expect(pseudonymousId(key, 1, 2)).not.toBe(pseudonymousId(key, 2, 2));
    expect(pseudonymousId(key, 1, 2)).not.toBe(pseudonymousId(key, 1, 3));
    expect(pseudonymousId(randomBytes(32), 1, 2)).not.toBe(pseudonymousId(key, 1, 2));
  });

  it("venue keys are random and kept as their SHA-256", () => {
    const a = newVenueKey();
    expect(a).not.toBe(newVenueKey());
    expect(venueKeyDigest(a)).toBe(createHash("sha256").update(a).digest("hex"));
  });
});
