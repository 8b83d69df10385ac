import { describe, expect, it } from "vitest";
import { groupCode } from "../../src/domain/codes.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();

async function imported(b: TestBench) {
  b.file("a.csv", SAMPLE_CSV);
  expect((await b.run(["import", "a.csv", "--event", "summit", "--yes"])).code).toBe(0);
}

/** The code with one symbol changed: right shape, wrong code. */
function wrong(code: string): string {
  return (code.startsWith("2") ? "3" : "2") + code.slice(1);
}

describe("evcred verify", () => {
  it.each([
    ["as stored", (c: string) => c],
    ["grouped", (c: string) => groupCode(c)],
    ["in lower case", (c: string) => c.toLowerCase()],
    ["grouped, in lower case", (c: string) => groupCode(c).toLowerCase()],
    ["with spaces", (c: string) => ` ${groupCode(c).replace(/-/g, " ")} `],
  ])("accepts the code %s (exit 0)", async (_how, typed) => {
    const b = bench();
    await imported(b);
    const code = await b.codeOf("ada@example.com");
    const result = await b.run(["verify", "ada@example.com", typed(code)]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("ok\n");
  });

  it("accepts the email in any case, with spaces around it", async () => {
    const b = bench();
    await imported(b);
    const result = await b.run(["verify", " ADA@Example.com ", await b.codeOf("ada@example.com")]);
    expect(result.code).toBe(0);
  });

  it("answers --json with the outcome, and never the code", async () => {
    const b = bench();
    await imported(b);
    const code = await b.codeOf("grace@example.com");
    const ok = await b.run(["verify", "grace@example.com", code, "--json"]);
    expect(ok.json()).toEqual({ event: "summit", email: "grace@example.com", ok: true });
    const bad = await b.run(["verify", "grace@example.com", wrong(code), "--json"]);
    expect(bad.code).toBe(1);
    expect(bad.json()).toEqual({
      event: "summit",
      email: "grace@example.com",
      ok: false,
      outcome: "wrong",
    });
    for (const text of b.transcript) {
      expect(text).not.toContain(code);
      expect(text).not.toContain(groupCode(code));
    }
  });

  it.each([
    ["a wrong code", "ada@example.com", (c: string) => wrong(c)],
    ["another attendee's code", "grace@example.com", (c: string) => c],
    ["an unknown email", "nobody@example.com", (c: string) => c],
    ["an empty code", "ada@example.com", () => ""],
  ])("refuses %s (exit 1) with the same message", async (_name, email, typed) => {
    const b = bench();
    await imported(b);
    const result = await b.run(["verify", email, typed(await b.codeOf("ada@example.com"))]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe("error: wrong email or code\n");
  });

  it("checks the code against the event it is for", async () => {
    const b = bench();
    await imported(b);
    b.file("b.csv", SAMPLE_CSV);
    await b.run(["import", "b.csv", "--event", "expo", "--yes"]);
    const summit = await b.codeOf("ada@example.com", "summit");
    expect((await b.run(["--event", "summit", "verify", "ada@example.com", summit])).code).toBe(0);
    expect((await b.run(["--event", "expo", "verify", "ada@example.com", summit])).code).toBe(1);
  });

  it("records every attempt as a login", async () => {
    const b = bench();
    await imported(b);
    const code = await b.codeOf("ada@example.com");
    await b.run(["verify", "ada@example.com", wrong(code)]);
    await b.run(["verify", "ada@example.com", code]);
    await b.run(["verify", "who@example.com", code]);
    const logins = (await b.snapshot()).logins as { email: string; ok: number; outcome: string }[];
    expect(logins.map((l) => [l.email, l.ok, l.outcome])).toEqual([
      ["ada@example.com", 0, "wrong-code"],
      ["ada@example.com", 1, "ok"],
      ["who@example.com", 0, "unknown-email"],
    ]);
  });
});
