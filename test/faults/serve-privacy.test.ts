/**
 * The privacy promise for `serve`: a day of venue traffic — logins right and wrong, a lockout,
 * bad requests that carry the code where it does not belong (the email field, the query string,
 * the path, a header), metrics, JWKS, health, a stop — and nothing the server printed holds a
 * code (in any spelling), a token or the venue key. The workspace holds neither key nor token.
 */
import { afterEach, describe, expect, it } from "vitest";
import { groupCode } from "../../src/domain/codes.js";
import { killServes, postLogin, spawnServe } from "../helpers/server.js";
import { benchPerTest, SAMPLE_CSV } from "../helpers/workspace.js";

const bench = benchPerTest();
afterEach(killServes);

function spellings(code: string): string[] {
  return [code, groupCode(code), code.toLowerCase(), groupCode(code).toLowerCase()];
}

describe("serve's output over a day", () => {
  it("holds no code, token or venue key", async () => {
    const b = bench();
    b.file("attendees.csv", SAMPLE_CSV);
    expect((await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"])).code).toBe(
      0,
    );
    const created = await b.run(["venue-key", "create", "venue"]);
    const key = created.stdout.trim();
    const emails = ["ada@example.com", "grace@example.com", "alan@example.com"];
    const codes = emails.map((e) => b.codeOf(e));
    const s = await spawnServe(b);
    const tokens: string[] = [];
    const login = async (body: unknown, headers: Record<string, string> = {}) => {
      const r = await postLogin(s.url, "summit-2026", key, body, headers);
      if (typeof r.json.token === "string") tokens.push(r.json.token);
      return r;
    };
    for (const [i, email] of emails.entries()) {
      const code = codes[i] ?? "";
      expect((await login({ email, code: groupCode(code).toLowerCase() })).status).toBe(200);
    }
    for (let i = 0; i < 6; i++) await login({ email: "grace@example.com", code: "WRONGCODE2" });
    expect((await login({ email: "grace@example.com", code: codes[1] })).status).toBe(423);
    const ada = codes[0] ?? "";
    // The code where it does not belong.
    await login({ email: ada, code: ada });
    await login({ email: `${ada}@example.com`, code: 5 });
    await login(`{"email":"ada@example.com","code":"${ada}"`);
    await login({ email: "ada@example.com", code: ada }, { "content-type": "text/plain" });
    await login({ email: "ada@example.com", code: ada }, { "x-code": ada });
    await fetch(`${s.url}/api/v1/events/summit-2026/logins?code=${ada}&token=${tokens[0] ?? ""}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ email: "ada@example.com", code: ada }),
    });
    await fetch(`${s.url}/e/summit-2026/${ada}?key=${key}`);
    await postLogin(s.url, "summit-2026", `${key}x`, { email: "ada@example.com", code: ada });
    for (const path of ["/healthz", "/metrics", "/.well-known/jwks.json"])
      await fetch(`${s.url}${path}`);
    s.child.kill("SIGTERM");
    expect(await s.exited).toBe(0);
    const list = await b.run(["venue-key", "list", "--json"]);
    const log = await b.run(["log", "--json"]);

    const printed = [s.stderr(), list.stdout, list.stderr, log.stdout, log.stderr].join("\n");
    expect(printed).toContain("POST /api/v1/events/summit-2026/logins?… 200");
    expect(tokens.length).toBe(4);
    for (const secret of [...codes.flatMap(spellings), key, ...tokens]) {
      expect(printed).not.toContain(secret);
    }
    // The 20 lines of access log name no attendee either.
    expect(s.stderr()).not.toContain("@");
    const stored = JSON.stringify(b.snapshot());
    for (const secret of [key, ...tokens]) expect(stored).not.toContain(secret);
  });
});
