import { describe, expect, it } from "vitest";
import { groupCode } from "../../src/domain/codes.js";
import { benchPerTest, SAMPLE_CSV } from "../helpers/workspace.js";
import { changeAt, lookAt } from "../helpers/look.js";

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
    const outcomes = await lookAt<{ outcome: string; n: number }>(
      b.db,
      "SELECT outcome, count(*) AS n FROM logins GROUP BY outcome",
    );
    expect(Object.fromEntries(outcomes.map((o) => [o.outcome, o.n]))).toEqual({
      "wrong-code": 5,
      locked: 15,
    });
    // Locked means locked: the right code is refused too until the window passes.
    expect(
      (await b.run(["verify", "ada@example.com", await b.codeOf("ada@example.com")])).code,
    ).toBe(1);
  });

  it("never locks out the right code by its own parallel attempts: they wait, then succeed", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    const code = await b.codeOf("ada@example.com");
    const tries = await Promise.all(
      Array.from({ length: 12 }, () => b.run(["verify", "ada@example.com", code])),
    );
    expect(tries.map((t) => t.code)).toEqual(Array.from({ length: 12 }, () => 0));
    const outcomes = await lookAt<{ outcome: string }>(b.db, "SELECT outcome FROM logins");
    expect(outcomes.map((o) => o.outcome)).toEqual(Array.from({ length: 12 }, () => "ok"));
  });

  it("lets attempts cut off mid-verification (pending after 10 s) neither lock nor hold back", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    // Five attempts whose process was killed before argon2 answered.
    const at = new Date(b.now.getTime() - 11_000).toISOString();
    for (let i = 0; i < 5; i++)
      await changeAt(
        b.db,
        "INSERT INTO logins (event_id, attendee_id, email, ok, outcome, source, at) " +
          "SELECT event_id, id, email, false, 'pending', 'api', ? FROM attendees WHERE email = ?",
        [at, "ada@example.com"],
      );
    // Never answered, they told nobody anything: the right code goes through at once.
    const r = await b.run(["verify", "ada@example.com", await b.codeOf("ada@example.com")]);
    expect(r.code).toBe(0);
  });

  it("refuses a code typed where the email goes, without echoing or recording it", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    const code = groupCode(await b.codeOf("ada@example.com"));
    const before = await b.snapshot();
    const r = await b.run(["verify", code, "ada@example.com", "--json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("EMAIL");
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain(code);
      expect(text.toLowerCase()).not.toContain(code.toLowerCase());
    }
    expect(await b.snapshot()).toEqual(before);
  });
});
