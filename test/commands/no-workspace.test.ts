import { existsSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runBin } from "../helpers/spawn.js";
import { benchPerTest, SAMPLE_CSV } from "../helpers/workspace.js";

const bench = benchPerTest();

/** Commands that only work on what a workspace holds: run where there is none, they say so. */
const NEEDS_ONE: readonly (readonly string[])[] = [
  ["attendees", "list"],
  ["attendees", "show", "ada@example.com"],
  ["attendees", "remove", "ada@example.com", "--yes"],
  ["stats"],
  ["log"],
  ["event", "list"],
  ["event", "show"],
  ["event", "use", "ev"],
  ["event", "update", "--name", "X"],
  ["verify", "ada@example.com", "K7QM4XHP2W"],
  ["send", "--template", "credentials", "--yes"],
  ["resend", "ada@example.com"],
  ["reset-code", "ada@example.com", "--generate", "--yes"],
  ["template", "link", "resend", "credentials"],
  ["template", "unlink", "resend"],
  ["template", "list", "--event", "ev"],
  ["preview", "credentials", "--to", "ada@example.com"],
  ["key", "show"],
  ["key", "rotate", "--yes"],
];

describe("a folder without a workspace", () => {
  it.each(NEEDS_ONE.map((argv) => [argv.join(" "), argv]))(
    "%s: exit 2, says there is none and how to make one, creates nothing",
    async (_name, argv) => {
      const b = bench();
      const r = await b.run(argv);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`error: no workspace here: ${b.dbPath} does not exist`);
      expect(r.stderr).toContain("hint: make one with `evcred init`");
      expect(r.stderr).toContain("--db");
      expect(readdirSync(b.dir)).toEqual([]);
    },
  );

  it("says so in --json too", async () => {
    const b = bench();
    const r = await b.run(["stats", "--json"]);
    expect(r.code).toBe(2);
    expect(r.json<{ error: { message: string; exitCode: number } }>().error).toMatchObject({
      message: `no workspace here: ${b.dbPath} does not exist`,
      exitCode: 2,
    });
    expect(existsSync(b.dbPath)).toBe(false);
  });

  it("--db naming a file that does not exist is refused the same way", async () => {
    const b = bench();
    const r = await b.run(["--db", "elsewhere.db", "attendees", "list"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no workspace here: ${b.path("elsewhere.db")} does not exist`);
    expect(existsSync(b.path("elsewhere.db"))).toBe(false);
  });

  it.each([["init"], ["event", "create", "Summit"], ["import", "a.csv", "--event", "ev", "--yes"]])(
    "%s … still creates it",
    async (...argv: string[]) => {
      const b = bench();
      b.file("a.csv", SAMPLE_CSV);
      const r = await b.run(argv);
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(b.dbPath)).toBe(true);
      expect((await b.run(["event", "list"])).code).toBe(0);
    },
  );

  it("doctor reports the missing workspace as a failed check", async () => {
    const b = bench();
    const r = await b.run(["doctor"]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain("no workspace here");
    expect(existsSync(b.dbPath)).toBe(false);
  });

  it("as a user runs it: `evcred attendees list` in an empty folder", async () => {
    const b = bench();
    const r = await runBin(["attendees", "list"], { cwd: b.dir, env: b.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no workspace here");
    expect(r.stdout).toBe("");
    expect(readdirSync(b.dir)).toEqual([]);
  });
});
