import { describe, expect, it } from "vitest";
import { LOCKOUT_WINDOW_MS } from "../../src/domain/logins.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();

async function imported(b: TestBench): Promise<void> {
  b.file("attendees.csv", SAMPLE_CSV);
  const r = await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"]);
  expect(r.code, r.stderr).toBe(0);
}

async function outcomes(b: TestBench): Promise<string[]> {
  return ((await b.snapshot()).logins as { outcome: string }[]).map((l) => l.outcome);
}

describe("evcred verify", () => {
  it("accepts the right code however it is typed, and records the login", async () => {
    const b = bench();
    await imported(b);
    const code = await b.codeOf("ada@example.com");
    const typed = ` ${code.slice(0, 4).toLowerCase()}-${code.slice(4)} `;
    const r = await b.run(["verify", " Ada@Example.com", typed, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toEqual({ event: "summit-2026", email: "ada@example.com", ok: true });
    expect(await outcomes(b)).toEqual(["ok"]);
    for (const text of b.transcript) expect(text).not.toContain(code);
  });

  it("answers an unknown email exactly as a wrong code (no user enumeration)", async () => {
    const b = bench();
    await imported(b);
    const wrong = await b.run(["verify", "ada@example.com", "WRONGCODE2"]);
    const unknown = await b.run(["verify", "nobody@example.com", "WRONGCODE2"]);
    expect(wrong.code).toBe(1);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe(wrong.stdout);
    expect(unknown.stderr).toBe(wrong.stderr);
    expect(wrong.stderr).toBe("error: wrong email or code\n");
    const wrongJson = await b.run(["verify", "ada@example.com", "WRONGCODE2", "--json"]);
    const unknownJson = await b.run(["verify", "nobody@example.com", "WRONGCODE2", "--json"]);
    expect({ ...wrongJson.json(), email: "x" }).toEqual({ ...unknownJson.json(), email: "x" });
    expect(await outcomes(b)).toEqual([
      "wrong-code",
      "unknown-email",
      "wrong-code",
      "unknown-email",
    ]);
  });

  it("locks an attendee after 5 failures in 15 minutes, even for the right code, until the window passes", async () => {
    const b = bench();
    await imported(b);
    const code = await b.codeOf("ada@example.com");
    for (let i = 0; i < 5; i++) {
      expect((await b.run(["verify", "ada@example.com", "WRONGCODE2"])).code).toBe(1);
      b.advance(60_000);
    }
    // First failure at 09:00, fifth at 09:04: locked until 09:15.
    const locked = await b.run(["verify", "ada@example.com", code]);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toContain("verification is locked");
    expect(locked.stderr).toContain("try again after 09:15 (UTC)");
    const json = await b.run(["verify", "ada@example.com", code, "--json"]);
    expect(json.json()).toMatchObject({
      ok: false,
      outcome: "locked",
      retryAt: "2026-05-04T09:15:00.000Z",
    });
    // Others are not locked.
    expect(
      (await b.run(["verify", "grace@example.com", await b.codeOf("grace@example.com")])).code,
    ).toBe(0);

    b.now = new Date(Date.parse("2026-05-04T09:00:00.000Z") + LOCKOUT_WINDOW_MS - 1);
    expect((await b.run(["verify", "ada@example.com", code])).code).toBe(1);
    // The oldest failure leaves the window: four remain, the right code is accepted again.
    b.advance(1);
    expect((await b.run(["verify", "ada@example.com", code])).code).toBe(0);
    expect(await outcomes(b)).toEqual([
      ...Array<string>(5).fill("wrong-code"),
      "locked",
      "locked",
      "ok",
      "locked",
      "ok",
    ]);
    for (const text of b.transcript) expect(text).not.toContain(code);
  });

  it("locks an unknown email the same way, so the lock reveals nothing either", async () => {
    const b = bench();
    await imported(b);
    for (let i = 0; i < 5; i++) await b.run(["verify", "nobody@example.com", "WRONGCODE2"]);
    for (let i = 0; i < 5; i++) await b.run(["verify", "ada@example.com", "WRONGCODE2"]);
    const unknown = await b.run(["verify", "nobody@example.com", "WRONGCODE2"]);
    const known = await b.run(["verify", "ada@example.com", "WRONGCODE2"]);
    expect(unknown.code).toBe(1);
    expect(known.code).toBe(1);
    expect(unknown.stderr.replace("nobody@example.com", "X")).toBe(
      known.stderr.replace("ada@example.com", "X"),
    );
    b.advance(LOCKOUT_WINDOW_MS);
    expect(
      (await b.run(["verify", "ada@example.com", await b.codeOf("ada@example.com")])).code,
    ).toBe(0);
  });

  it("a reset lifts a lock: failures against the old code do not lock the new one", async () => {
    const b = bench();
    await imported(b);
    for (let i = 0; i < 5; i++) await b.run(["verify", "ada@example.com", "WRONGCODE2"]);
    const reset = await b.run(["reset-code", "ada@example.com", "--generate", "--yes"]);
    expect(reset.code, reset.stderr).toBe(0);
    expect(
      (await b.run(["verify", "ada@example.com", await b.codeOf("ada@example.com")])).code,
    ).toBe(0);
    // New failures count again, even in the reset's millisecond: five lock the new code too.
    for (let i = 0; i < 5; i++) await b.run(["verify", "ada@example.com", "WRONGCODE2"]);
    expect(
      (await b.run(["verify", "ada@example.com", await b.codeOf("ada@example.com")])).code,
    ).toBe(1);
  });
});
