import { describe, expect, it } from "vitest";
import {
  MAX_TOKEN_TTL_SECONDS,
  publishedSigningKeys,
  retireSigningKey,
} from "../../src/domain/signing-keys.js";
import type { PublicJwk } from "../../src/vault/tokens.js";
import { benchPerTest } from "../helpers/workspace.js";

const bench = benchPerTest();
const jwk = (kid: string): PublicJwk => ({
  kty: "OKP",
  crv: "Ed25519",
  x: kid,
  kid,
  alg: "EdDSA",
  use: "sig",
});

describe("retired signing keys", () => {
  it("are published after the current key for as long as a token can live, then dropped", async () => {
    const ws = await bench().open();
    try {
      const at = new Date("2026-05-04T09:00:00Z");
      await retireSigningKey(ws.store.meta, jwk("old"), at.toISOString());
      const later = (s: number) => new Date(at.getTime() + s * 1000);
      expect(
        (await publishedSigningKeys(ws.store.meta, jwk("new"), later(60))).map((k) => k.kid),
      ).toEqual(["new", "old"]);
      expect(
        (
          await publishedSigningKeys(ws.store.meta, jwk("new"), later(MAX_TOKEN_TTL_SECONDS + 1))
        ).map((k) => k.kid),
      ).toEqual(["new"]);
      // Rotating back to a key does not publish it twice.
      expect(
        (await publishedSigningKeys(ws.store.meta, jwk("old"), later(60))).map((k) => k.kid),
      ).toEqual(["old"]);
    } finally {
      void ws.close();
    }
  });
});
