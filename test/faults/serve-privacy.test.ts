/**
 * The privacy promise for `serve`: a day of traffic — the venue's logins right and wrong, sign-ins
 * on the page, lockouts on both, an import and a master key rotation while it serves, bad
 * requests that carry the code where it does not belong (the email field, the query string, the
 * path, a header), stats, metrics, JWKS, health, a stop — and nothing the server or the CLI
 * printed holds a code (in any spelling), a token or the venue key; no HTTP answer holds a code
 * or the key, and a token is only in the answer that issued it. The workspace holds neither key
 * nor token.
 */
import { afterEach, describe, expect, it } from "vitest";
import { groupCode } from "../../src/domain/codes.js";
import { killServes, spawnServe } from "../helpers/server.js";
import { benchPerTest, SAMPLE_CSV } from "../helpers/workspace.js";

const bench = benchPerTest();
afterEach(killServes);

function spellings(code: string): string[] {
  return [code, groupCode(code), code.toLowerCase(), groupCode(code).toLowerCase()];
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/** Every HTTP answer of the day, whole (status, headers, body), by request. */
interface Recorded {
  what: string;
  wire: string;
}

describe("serve's output over a day", () => {
  it("holds no code, token or venue key: not in what it printed, nor in any answer but the one that issued a token", async () => {
    const b = bench();
    const guests = (from: number, to: number) =>
      Array.from(
        { length: to - from },
        (_, i) => `guest${from + i}@example.com,Guest,${from + i},`,
      );
    b.file("attendees.csv", `${SAMPLE_CSV}${guests(0, 40).join("\n")}\n`);
    b.file("late.csv", `email,first_name,last_name,company\n${guests(40, 400).join("\n")}\n`);
    expect((await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"])).code).toBe(
      0,
    );
    expect(
      (await b.run(["event", "update", "--venue-url", "https://venue.example/app"])).code,
    ).toBe(0);
    const created = await b.run(["venue-key", "create", "venue"]);
    const key = created.stdout.trim();
    const s = await spawnServe(b);
    let stdout = "";
    s.child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));

    const answers: Recorded[] = [];
    const tokens: string[] = [];
    /** Which answers issued each token: the one place it may be (the same attendee signed in
     * twice in one second gets the same token twice). */
    const issuedBy = new Map<string, Set<number>>();
    const call = async (path: string, init: RequestInit = {}): Promise<Answer> => {
      const response = await fetch(`${s.url}${path}`, { redirect: "manual", ...init });
      const text = await response.text();
      const headers = [...response.headers].map(([n, v]) => `${n}: ${v}`).join("\n");
      answers.push({
        what: `${init.method ?? "GET"} ${path}`,
        wire: `${response.status}\n${headers}\n\n${text}`,
      });
      const token =
        /"token":"([^"]+)"/.exec(text)?.[1] ??
        /#token=([^&\s]+)/.exec(response.headers.get("location") ?? "")?.[1];
      if (token) {
        tokens.push(token);
        issuedBy.set(token, (issuedBy.get(token) ?? new Set()).add(answers.length - 1));
      }
      return { status: response.status, headers: response.headers, text };
    };
    const login = (body: unknown, headers: Record<string, string> = {}, k = key) =>
      call("/api/v1/events/summit-2026/logins", {
        method: "POST",
        headers: { authorization: `Bearer ${k}`, "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
    const signIn = async (email: string, code: string) => {
      const form = await call("/e/summit-2026");
      const cookie = /^(evcred_csrf=[^;]+)/.exec(form.headers.get("set-cookie") ?? "")?.[1] ?? "";
      const csrf = /name="csrf" value="([^"]*)"/.exec(form.text)?.[1] ?? "";
      return call("/e/summit-2026/login", {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          cookie,
          "sec-fetch-site": "same-origin",
          origin: "null",
        },
        body: new URLSearchParams({ csrf, email, code }).toString(),
      });
    };
    const codeOf = (email: string) => b.codeOf(email, "summit-2026");
    const changeCode = async (fields: Record<string, string>) => {
      const form = await call("/e/summit-2026/code");
      const cookie = /^(evcred_csrf=[^;]+)/.exec(form.headers.get("set-cookie") ?? "")?.[1] ?? "";
      const csrf = /name="csrf" value="([^"]*)"/.exec(form.text)?.[1] ?? "";
      return call("/e/summit-2026/code", {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          cookie,
          "sec-fetch-site": "same-origin",
          origin: "null",
        },
        body: new URLSearchParams({ csrf, ...fields }).toString(),
      });
    };

    // The doors open: the venue's logins, right (in every spelling) and wrong.
    const emails = ["ada@example.com", "grace@example.com", "alan@example.com"];
    for (const email of emails) {
      expect(
        (await login({ email, code: groupCode(await codeOf(email)).toLowerCase() })).status,
      ).toBe(200);
    }
    for (let i = 0; i < 10; i++) {
      const email = `guest${i}@example.com`;
      expect(
        (await login({ email, code: i % 2 ? await codeOf(email) : "WRONGCODE2" })).status,
      ).toBe(i % 2 ? 200 : 401);
    }
    for (let i = 0; i < 6; i++) await login({ email: "grace@example.com", code: "WRONGCODE2" });
    expect(
      (await login({ email: "grace@example.com", code: await codeOf("grace@example.com") })).status,
    ).toBe(423);

    // Attendees on the sign-in page: right, wrong, the code in the email field, a lockout.
    for (let i = 10; i < 16; i++) {
      const email = `guest${i}@example.com`;
      expect((await signIn(email, await codeOf(email))).status).toBe(303);
      expect((await signIn(email, "WRONGCODE2")).status).toBe(401);
    }
    expect(
      (await signIn(await codeOf("guest16@example.com"), await codeOf("guest16@example.com")))
        .status,
    ).toBe(400);
    for (let i = 0; i < 5; i++) await signIn("guest17@example.com", "WRONGCODE2");
    expect((await signIn("guest17@example.com", await codeOf("guest17@example.com"))).status).toBe(
      429,
    );

    // Attendees change their codes: one does, the others are refused in every way there is.
    const replaced = await codeOf("guest18@example.com");
    const chosen = "ZQWX-7HVB-23";
    const mine = { email: "guest18@example.com", current: replaced, code: chosen, repeat: chosen };
    expect((await changeCode({ ...mine, current: "WRONGCODE2" })).status).toBe(401);
    expect((await changeCode({ ...mine, repeat: "ZQWX-7HVB-24" })).status).toBe(422);
    const taken = groupCode(await codeOf("guest19@example.com"));
    expect((await changeCode({ ...mine, code: taken, repeat: taken })).status).toBe(422);
    expect((await changeCode({ ...mine, code: replaced, repeat: replaced })).status).toBe(422);
    expect((await changeCode({ ...mine, email: replaced })).status).toBe(400);
    expect((await changeCode(mine)).status).toBe(200);
    expect((await signIn("guest18@example.com", replaced)).status).toBe(401);
    expect((await signIn("guest18@example.com", chosen)).status).toBe(303);

    // The organizer imports latecomers and rotates the master key while the doors are open.
    expect((await b.run(["import", "late.csv", "--event", "summit-2026", "--yes"])).code).toBe(0);
    const rotated = await b.run(["key", "rotate", "--yes"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    for (const email of ["guest20@example.com", "guest300@example.com"]) {
      expect((await login({ email, code: await codeOf(email) })).status).toBe(200);
    }
    expect(
      (await signIn("guest301@example.com", await codeOf("guest301@example.com"))).status,
    ).toBe(303);

    const ada = await codeOf("ada@example.com");
    // The code where it does not belong.
    await login({ email: ada, code: ada });
    await login({ email: `${ada}@example.com`, code: 5 });
    await login(`{"email":"ada@example.com","code":"${ada}"`);
    await login({ email: "ada@example.com", code: ada }, { "content-type": "text/plain" });
    await login({ email: "ada@example.com", code: ada }, { "x-code": ada });
    await call(`/api/v1/events/summit-2026/logins?code=${ada}&token=${tokens[0] ?? ""}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ email: "ada@example.com", code: ada }),
    });
    await call(`/api/v1/events/${"s".repeat(200)}${ada}/logins`, { method: "POST" });
    await call(`/api/v1/events/${ada}%E0%A4%A/logins`, { method: "POST" });
    await call(`/e/summit-2026/${ada}?key=${key}`);
    await call(`/e/${ada}%E0%A4%A`);
    await login({ email: "ada@example.com", code: ada }, {}, `${key}x`);
    for (const path of ["/healthz", "/metrics", "/.well-known/jwks.json"]) await call(path);
    const stats = await b.run(["stats", "--json"]);
    expect(stats.code, stats.stderr).toBe(0);
    expect((await b.run(["stats"])).code).toBe(0);
    s.child.kill("SIGTERM");
    expect(await s.exited).toBe(0);
    expect((await b.run(["venue-key", "list", "--json"])).code).toBe(0);
    expect((await b.run(["log", "--json"])).code).toBe(0);

    // What the server and the CLI printed over the day.
    // All but `venue-key create`'s stdout: the one place the key is shown, once, by design.
    const cli = b.transcript.filter((t) => t !== created.stdout);
    const printed = [s.stderr(), stdout, ...cli].join("\n");
    expect(s.stderr()).toContain("POST /api/v1/events/summit-2026/logins?… 200");
    // The doors, the page, the changed code, after the rotation, and the two valid logins with a
    // code in the URL and a header.
    expect(tokens.length).toBe(3 + 5 + 6 + 1 + 3 + 2);
    const attendees = ((await b.snapshot()).attendees as { email: string }[]).map((a) => a.email);
    expect(attendees).toHaveLength(403);
    const codes = await Promise.all(attendees.map(codeOf));
    expect(await codeOf("guest18@example.com")).toBe(chosen);
    const secrets = [
      ...codes.flatMap(spellings),
      ...spellings(replaced),
      ...spellings(chosen.replace(/-/g, "")),
      key,
    ];
    const found = (text: string) => {
      const lower = text.toLowerCase();
      return secrets.filter((x) => lower.includes(x.toLowerCase()));
    };
    expect(found(printed)).toEqual([]);
    for (const token of tokens) expect(printed).not.toContain(token);
    // The access log names no attendee either.
    expect(s.stderr()).not.toContain("@");

    // Every answer: no code, no venue key; a token only in the answer that issued it.
    for (const [i, answer] of answers.entries()) {
      expect({ what: answer.what, secrets: found(answer.wire) }).toEqual({
        what: answer.what,
        secrets: [],
      });
      const others = tokens.filter((t) => !issuedBy.get(t)?.has(i) && answer.wire.includes(t));
      expect({ what: answer.what, tokens: others.length }).toEqual({
        what: answer.what,
        tokens: 0,
      });
    }
    const stored = JSON.stringify(await b.snapshot());
    for (const secret of [key, ...tokens]) expect(stored).not.toContain(secret);
  }, 120_000);
});
