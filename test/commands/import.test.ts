import { describe, expect, it } from "vitest";
import { benchPerTest, SAMPLE_CSV } from "../helpers/workspace.js";

const bench = benchPerTest();

describe("evcred import", () => {
  it("registers every attendee of a new event after --yes and shows no code", async () => {
    const b = bench();
    b.file("attendees.csv", SAMPLE_CSV);
    const result = await b.run([
      "import",
      "attendees.csv",
      "--event",
      "summit-2026",
      "--yes",
      "--json",
    ]);
    expect(result.stderr).toContain("3 new");
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ event: "summit-2026", new: 3, updated: 0, rejected: [] });
    const code = b.codeOf("ada@example.com");
    expect(code).toMatch(/^[2-9A-HJKMNP-TV-Z]{10}$/);
    const list = await b.run(["attendees", "list", "--json"]);
    expect(list.json<{ attendees: unknown[] }>().attendees).toHaveLength(3);
    for (const text of b.transcript) expect(text).not.toContain(code);
  });
});
