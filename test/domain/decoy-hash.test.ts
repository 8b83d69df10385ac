import { describe, expect, it } from "vitest";
import { ensureDecoyHash } from "../../src/domain/logins.js";
import { hashParamsFrom } from "../../src/vault/hash.js";
import { benchPerTest, TEST_ARGON2 } from "../helpers/workspace.js";

const bench = benchPerTest();

describe("the decoy hash verified for unknown emails", () => {
  it("is made again when the argon2 parameters change, so it costs what a real hash does", async () => {
    const b = bench();
    await b.run(["init"]);
    const ws = await b.open();
    try {
      const cheap = hashParamsFrom({ EVCRED_ARGON2: TEST_ARGON2 });
      const first = await ensureDecoyHash(ws, cheap);
      expect(first).toContain("$m=1024,t=1,p=1$");
      expect(await ensureDecoyHash(ws, cheap)).toBe(first); // kept while they stay the same
      const dearer = hashParamsFrom({ EVCRED_ARGON2: "m=2048,t=2,p=1" });
      const second = await ensureDecoyHash(ws, dearer);
      expect(second).toContain("$m=2048,t=2,p=1$");
      expect(await ws.getMeta("decoy_hash")).toBe(second);
    } finally {
      void ws.close();
    }
  });
});
