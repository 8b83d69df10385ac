import { readdirSync } from "node:fs";
import { basename, dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { rotateMasterKey } from "../../src/domain/key-rotation.js";
import { KeyError } from "../../src/errors.js";
import { benchPerTest, SAMPLE_CSV } from "../helpers/workspace.js";

const bench = benchPerTest();

describe("a command that loaded the key before a rotation by another process", () => {
  it("writes nothing more: its next transaction refuses, naming the rotation", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    const slow = await b.open();
    const other = await b.open();
    try {
      await slow.vault(); // e.g. an import hashing its next batch, a reset waiting at its prompt
      await rotateMasterKey(other, { who: { actor: "tester", at: b.now.toISOString() } });
      const before = await b.snapshot();
      await expect(
        slow.transaction(async (tx) => {
          await tx.meta.set("probe", "written");
        }),
      ).rejects.toThrow(KeyError);
      await expect(slow.transaction(() => Promise.resolve())).rejects.toThrow(
        /rotated while this command ran/,
      );
      expect(await b.snapshot()).toEqual(before);
    } finally {
      void slow.close();
      void other.close();
    }
  });
});

describe("two key rotations at once", () => {
  const who = { actor: "tester", at: "2026-05-04T09:00:00.000Z" };

  it("one finishing the other's last rename: the first still reports its committed rotation", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    const code = await b.codeOf("ada@example.com");
    const first = await b.open();
    const second = await b.open();
    try {
      let keyIdSeenBySecond = "";
      const result = await rotateMasterKey(first, {
        who,
        afterStep: async (step) => {
          // Between the commit and the rename, another evcred opens the workspace: it finds the
          // staged key named by the workspace and promotes it (it used to leave the first with
          // `ENOENT … rename` and exit 1, though its rotation had committed).
          if (step === "committed") keyIdSeenBySecond = (await second.vault()).keyId;
        },
      });
      expect(keyIdSeenBySecond).toBe(result.keyId);
      // and the second rotates again from there
      const again = await rotateMasterKey(second, { who });
      expect(again.previousKeyId).toBe(result.keyId);
    } finally {
      void first.close();
      void second.close();
    }
    expect(await b.codeOf("ada@example.com")).toBe(code);
  });

  it("both loaded the old key: the later one writes nothing, leaves no staged key, and says to run it again", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    const code = await b.codeOf("ada@example.com");
    const first = await b.open();
    const second = await b.open();
    try {
      await second.vault();
      const result = await rotateMasterKey(first, { who });
      await expect(rotateMasterKey(second, { who })).rejects.toThrow(
        /rotated while this command ran/,
      );
      const r = await b.run(["key", "show", "--json"]);
      expect(r.json()).toMatchObject({ keyId: result.keyId });
      // Its KEY.new-<id> sealed nothing: it is not left beside the key (each lost race left one).
      const keyFile = b.env.EVCRED_KEY_FILE ?? "";
      expect(
        readdirSync(dirname(keyFile)).filter((name) =>
          name.startsWith(`${basename(keyFile)}.new-`),
        ),
      ).toEqual([]);
    } finally {
      void first.close();
      void second.close();
    }
    expect(await b.codeOf("ada@example.com")).toBe(code);
  });
});
