import { describe, expect, it } from "vitest";
import { benchPerTest } from "../helpers/workspace.js";

const bench = benchPerTest();

describe("help", () => {
  it("`help COMMAND` shows that command's flags and examples, like COMMAND --help", async () => {
    const b = bench();
    for (const argv of [
      ["help", "send"],
      ["send", "--help"],
    ]) {
      const r = await b.run(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("--template <name>");
      expect(r.stdout).toContain("Examples:");
    }
    const nested = await b.run(["event", "help", "create"]);
    expect(nested.stdout).toContain("--code-length <n>");
  });

  it("a usage error under --json still leaves one JSON document on stdout", async () => {
    const b = bench();
    const r = await b.run(["--json", "send", "--bogus"]);
    expect(r.code).toBe(2);
    expect(r.json()).toEqual({
      error: { message: "unknown option '--bogus'", hint: null, exitCode: 2 },
    });
  });
});
