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
    const slow = b.open();
    const other = b.open();
    try {
      slow.vault(); // e.g. an import hashing its next batch, a reset waiting at its prompt
      rotateMasterKey(other, { who: { actor: "tester", at: b.now.toISOString() } });
      const before = b.snapshot();
      expect(() => {
        slow.transaction(() => {
          slow.setMeta("probe", "written");
        });
      }).toThrow(KeyError);
      expect(() => {
        slow.transaction(() => undefined);
      }).toThrow(/rotated while this command ran/);
      expect(b.snapshot()).toEqual(before);
    } finally {
      slow.close();
      other.close();
    }
  });
});
