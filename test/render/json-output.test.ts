/**
 * `--json` is one document either way: indented for a person at a terminal, compact for a
 * program reading a pipe or a file.
 */
import { describe, expect, it } from "vitest";
import { benchPerTest, SAMPLE_CSV } from "../helpers/workspace.js";

const bench = benchPerTest();

describe("--json", () => {
  it("is indented on a terminal and one compact line when piped, with the same content", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    expect((await b.run(["import", "a.csv", "--event", "ev", "--yes"])).code).toBe(0);
    const piped = await b.run(["attendees", "list", "--json"]);
    const onTty = await b.run(["attendees", "list", "--json"], { tty: true });
    expect(piped.code).toBe(0);
    expect(onTty.code).toBe(0);
    expect(piped.stdout.trimEnd().split("\n")).toHaveLength(1);
    expect(onTty.stdout).toContain('\n  "attendees": [\n');
    expect(piped.json()).toEqual(onTty.json());
    expect(piped.json<{ attendees: unknown[] }>().attendees.length).toBeGreaterThan(1);
  });
});
