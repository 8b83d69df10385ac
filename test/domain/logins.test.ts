import { describe, expect, it } from "vitest";
import { groupCode } from "../../src/domain/codes.js";
import { benchPerTest, SAMPLE_CSV } from "../helpers/workspace.js";

const bench = benchPerTest();

describe("verify under pressure", () => {
  it("lets no more than 5 wrong guesses through when they arrive all at once", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        b.run(["verify", "ada@example.com", `WRONG${String(i).padStart(5, "0")}`]),
      ),
    );
    expect(guesses.every((g) => g.code === 1)).toBe(true);
    const ws = b.open();
    const outcomes = ws.sqlite
      .prepare("SELECT outcome, count(*) AS n FROM logins GROUP BY outcome")
      .all() as { outcome: string; n: number }[];
    ws.close();
    expect(Object.fromEntries(outcomes.map((o) => [o.outcome, o.n]))).toEqual({
      "wrong-code": 5,
      locked: 15,
    });
    // Locked means locked: the right code is refused too until the window passes.
    expect((await b.run(["verify", "ada@example.com", b.codeOf("ada@example.com")])).code).toBe(1);
  });

  it("refuses a code typed where the email goes, without echoing or recording it", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    const code = groupCode(b.codeOf("ada@example.com"));
    const before = b.snapshot();
    const r = await b.run(["verify", code, "ada@example.com", "--json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("EMAIL");
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain(code);
      expect(text.toLowerCase()).not.toContain(code.toLowerCase());
    }
    expect(b.snapshot()).toEqual(before);
  });
});
