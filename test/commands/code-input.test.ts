/**
 * Codes stay out of process arguments (issue 11 item 5, issue 10 §4): `verify EMAIL` and
 * `reset-code --code -` read the code from stdin, or at a hidden prompt on a terminal.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { groupCode } from "../../src/domain/codes.js";
import { openCode } from "../helpers/codes.js";
import { runBin } from "../helpers/spawn.js";
import { benchPerTest, SAMPLE_CSV, TEST_ARGON2, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();

async function imported(b: TestBench): Promise<void> {
  b.file("attendees.csv", SAMPLE_CSV);
  const r = await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"]);
  expect(r.code, r.stderr).toBe(0);
}

describe("evcred verify EMAIL, the code on stdin", () => {
  it("reads the first line of stdin: right is exit 0, wrong is exit 1", async () => {
    const b = bench();
    await imported(b);
    const code = await b.codeOf("ada@example.com");
    const ok = await b.run(["verify", "ada@example.com"], { stdin: `${groupCode(code)}\n` });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe("ok\n");
    const bad = await b.run(["verify", "ada@example.com"], { stdin: "ZZZZ-ZZZZ-ZZ\nmore\n" });
    expect(bad.code).toBe(1);
    for (const text of b.transcript) expect(text).not.toContain(groupCode(code));
  });

  it("asks at a hidden prompt on a terminal", async () => {
    const b = bench();
    await imported(b);
    const code = await b.codeOf("grace@example.com");
    const r = await b.run(["verify", "grace@example.com"], { tty: true, answers: [code] });
    expect(r.code, r.stderr).toBe(0);
    expect(b.questions).toEqual(["Access code for grace@example.com:"]);
  });

  it("refuses an empty stdin with exit 2, recording no attempt", async () => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run(["verify", "ada@example.com"], { stdin: "" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("CODE: stdin is empty");
    expect(await b.snapshot()).toEqual(before);
  });

  it("refuses a bad email before asking for the code", async () => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run(["verify", "K7QM-4XHP-2W"], { tty: true, answers: [] });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("EMAIL: that is not an email address");
    expect(r.stderr).not.toContain("K7QM");
    expect(b.questions).toEqual([]);
    expect(await b.snapshot()).toEqual(before);
  });

  it("--help says why stdin is better than an argument", async () => {
    const b = bench();
    const r = await b.run(["verify", "--help"]);
    expect(r.stdout).toContain("[code]");
    expect(r.stdout).toMatch(/visible to every user of the machine \(ps, \/proc\)/);
    expect(r.stdout).toContain("shell history");
  });
});

describe("evcred reset-code --code -", () => {
  it("reads the organizer's code from stdin, never echoes it, and mails it as typed", async () => {
    const b = bench();
    await imported(b);
    const r = await b.run(["reset-code", "ada@example.com", "--code", "-", "--yes"], {
      stdin: "grace-2026-hall\n",
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("impersonate the attendee");
    expect(r.stderr).not.toContain("visible in `ps`");
    expect(await b.codeOf("ada@example.com")).toBe("GRACE-2026-HALL");
    // Look-alikes fold on both sides.
    expect((await b.run(["verify", "ada@example.com"], { stdin: "gracE2O26HALL" })).code).toBe(0);
    for (const text of b.transcript) expect(text.toUpperCase()).not.toContain("GRACE");
  });

  it("refuses a weak code from stdin without echoing it (exit 2, nothing changed)", async () => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run(["reset-code", "ada@example.com", "--code", "-", "--yes"], {
      stdin: "Welcome2026\n",
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--code: a code must not be a common word or password");
    expect(r.stderr.toUpperCase()).not.toContain("WELCOME2026");
    expect(await b.snapshot()).toEqual(before);
  });

  it("asks at a hidden prompt, twice, on a terminal", async () => {
    const b = bench();
    await imported(b);
    const r = await b.run(["reset-code", "ada@example.com", "--code", "-", "--yes"], {
      tty: true,
      answers: ["navy-2026-ada", "NAVY 2026 ADA"],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(b.questions).toEqual(["Code (8-32 letters and digits):", "The same code again:"]);
    expect(await b.codeOf("ada@example.com")).toBe("NAVY-2026-ADA");
  });

  it("warns that a code given on the command line is in ps and shell history", async () => {
    const b = bench();
    await imported(b);
    const r = await b.run(["reset-code", "ada@example.com", "--code", "navy-2026-ada", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("visible in `ps` and kept in shell history");
    expect(r.stderr).toContain("--code -");
  });
});

describe("as a shell runs it", () => {
  it("pipes the code to bin/evcred.cjs: nothing of it in the arguments or the output", async () => {
    const dir = mkdtempSync(join(tmpdir(), "evcred-stdin-"));
    try {
      const env = {
        HOME: dir,
        NO_COLOR: "1",
        EVCRED_KEY_FILE: join(dir, "master.key"),
        EVCRED_ARGON2: TEST_ARGON2,
      };
      const run = (args: string[], input?: string) =>
        runBin(args, { cwd: dir, env, ...(input === undefined ? {} : { input }) });
      expect((await run(["init", "--sample"])).code).toBe(0);
      expect((await run(["import", "attendees.csv", "--event", "demo", "--yes"])).code).toBe(0);
      const set = await run(
        ["reset-code", "ada@example.com", "--code", "-", "--yes"],
        "tiger-2026-blue\n",
      );
      expect(set.code, set.stderr).toBe(0);
      expect(await openCode(join(dir, "evcred.db"), env.EVCRED_KEY_FILE, "ada@example.com")).toBe(
        "TIGER-2026-BLUE",
      );
      const ok = await run(["verify", "ada@example.com"], "tiger 2026 blue\n");
      expect(ok.code, ok.stderr).toBe(0);
      const no = await run(["verify", "ada@example.com"], "tiger 2026 bleu\n");
      expect(no.code).toBe(1);
      for (const r of [set, ok, no])
        expect((r.stdout + r.stderr).toUpperCase()).not.toContain("TIGER");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
