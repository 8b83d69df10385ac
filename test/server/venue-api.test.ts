import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { postLogin, startServer, type RunningServer } from "../helpers/server.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();
let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Setup {
  b: TestBench;
  url: string;
  key: string;
  code: string;
}

async function setup(): Promise<Setup> {
  const b = bench();
  b.file("attendees.csv", SAMPLE_CSV);
  expect((await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"])).code).toBe(
    0,
  );
  expect((await b.run(["event", "create", "Expo 2026"])).code).toBe(0);
  const created = await b.run(["venue-key", "create", "venue", "--event", "summit-2026"]);
  expect(created.code, created.stderr).toBe(0);
  server = await startServer(b);
  return {
    b,
    url: server.url,
    key: created.stdout.trim(),
    code: await b.codeOf("ada@example.com"),
  };
}

async function loginRows(b: TestBench): Promise<{ outcome: string; source: string; ok: number }[]> {
  return (await b.snapshot()).logins as { outcome: string; source: string; ok: number }[];
}

describe("POST /api/v1/events/{slug}/logins", () => {
  it("200: the attendee and a token that verifies against the server's JWKS", async () => {
    const { b, url, key, code } = await setup();
    const typed = `${code.slice(0, 4).toLowerCase()}-${code.slice(4)}`;
    const r = await postLogin(url, "summit-2026", key, { email: " Ada@Example.com", code: typed });
    expect(r.status).toBe(200);
    expect(r.headers.get("cache-control")).toBe("no-store");
    const { token, expires_at, attendee } = r.json as {
      token: string;
      expires_at: string;
      attendee: Record<string, unknown>;
    };
    expect(r.json.ok).toBe(true);
    expect(attendee).toEqual({
      uid: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) as unknown,
      email: "ada@example.com",
      first_name: "Ada",
      last_name: "Lovelace",
      full_name: "Ada Lovelace",
      fields: { company: "Analytical Engines" },
    });
    const jwks = createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: url,
      audience: "summit-2026",
      algorithms: ["EdDSA"],
    });
    expect(protectedHeader.kid).toEqual(expect.any(String));
    expect(payload).toEqual({
      iss: url,
      aud: "summit-2026",
      sub: attendee.uid,
      uid: attendee.uid,
      iat: expect.any(Number) as unknown,
      exp: expect.any(Number) as unknown,
      email: "ada@example.com",
      name: "Ada Lovelace",
      event: "summit-2026",
      traits: ["evcred", "evcred-event-summit-2026"],
      profile: { display_name: "Ada Lovelace" },
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(24 * 3600);
    expect(new Date((payload.exp ?? 0) * 1000).toISOString()).toBe(expires_at);
    // A token never holds the code; the uid is neither the email nor a row id.
    expect(token).not.toContain(code);
    expect(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()).not.toContain(code);
    expect(attendee.uid).not.toMatch(/^\d+$/);
    expect(await loginRows(b)).toEqual([
      expect.objectContaining({ outcome: "ok", source: "api", ok: 1 }),
    ]);
    const last = await b.run(["venue-key", "list", "--json"]);
    expect(last.json<{ lastUsedAt: string | null }[]>()[0]?.lastUsedAt).not.toBeNull();
  });

  it("the uid is stable for an attendee and event, and differs per attendee", async () => {
    const { b, url, key, code } = await setup();
    const first = await postLogin(url, "summit-2026", key, { email: "ada@example.com", code });
    const again = await postLogin(url, "summit-2026", key, { email: "ada@example.com", code });
    const grace = await postLogin(url, "summit-2026", key, {
      email: "grace@example.com",
      code: await b.codeOf("grace@example.com"),
    });
    const uid = (r: typeof first) => (r.json.attendee as { uid: string }).uid;
    expect(uid(first)).toBe(uid(again));
    expect(uid(grace)).not.toBe(uid(first));
  });

  it("401 invalid_credentials, identical for a wrong code and an unknown email", async () => {
    const { b, url, key } = await setup();
    const wrong = await postLogin(url, "summit-2026", key, {
      email: "ada@example.com",
      code: "WRONGCODE2",
    });
    const unknown = await postLogin(url, "summit-2026", key, {
      email: "nobody@example.com",
      code: "WRONGCODE2",
    });
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ ok: false, error: "invalid_credentials" });
      expect(r.headers.get("www-authenticate")).toBeNull();
    }
    expect([...wrong.headers.keys()].sort()).toEqual([...unknown.headers.keys()].sort());
    expect((await loginRows(b)).map((l) => [l.outcome, l.source])).toEqual([
      ["wrong-code", "api"],
      ["unknown-email", "api"],
    ]);
  });

  it("423 locked with retry_at and Retry-After after 5 failures, counting CLI verify too", async () => {
    const { b, url, key, code } = await setup();
    // The CLI's clock is the bench's; make it now so both faces share one window.
    b.now = new Date();
    for (let i = 0; i < 2; i++) {
      expect(
        (await b.run(["verify", "ada@example.com", "WRONGCODE2", "--event", "summit-2026"])).code,
      ).toBe(1);
    }
    for (let i = 0; i < 3; i++) {
      const r = await postLogin(url, "summit-2026", key, {
        email: "ada@example.com",
        code: "WRONGCODE2",
      });
      expect(r.status).toBe(401);
    }
    const locked = await postLogin(url, "summit-2026", key, { email: "ada@example.com", code });
    expect(locked.status).toBe(423);
    expect(locked.json).toEqual({
      ok: false,
      error: "locked",
      retry_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    });
    const retryAfter = Number(locked.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect((await loginRows(b)).map((l) => l.source)).toEqual([
      "cli",
      "cli",
      "api",
      "api",
      "api",
      "api",
    ]);
    // And the CLI sees the API's failures: it is locked there too.
    const cli = await b.run(["verify", "ada@example.com", code, "--event", "summit-2026"]);
    expect(cli.stderr).toContain("verification is locked");
  });

  it("30 parallel wrong attempts: at most 5 are answered 401, the rest 423; each is one row; she stays locked", async () => {
    const { b, url, key } = await setup();
    const answers = await Promise.all(
      Array.from({ length: 30 }, () =>
        postLogin(url, "summit-2026", key, { email: "grace@example.com", code: "WRONGCODE2" }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    // Exactly five: the attempts beyond them wait for those in flight instead of being refused.
    const refused = statuses.filter((s) => s === 401).length;
    expect(refused).toBe(5);
    expect(statuses.every((s) => s === 401 || s === 423)).toBe(true);
    for (const a of answers.filter((x) => x.status === 423)) {
      expect(a.json.error).toBe("locked");
      expect(Number(a.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    const rows = await loginRows(b);
    expect(rows).toHaveLength(30);
    expect(rows.filter((r) => r.ok)).toEqual([]);
    expect(rows.filter((r) => r.outcome === "wrong-code")).toHaveLength(refused);
    // Her own code, once the burst is over, is still refused: the lock holds.
    const code = await b.codeOf("grace@example.com");
    const after = await postLogin(url, "summit-2026", key, { email: "grace@example.com", code });
    expect(after.status).toBe(423);
  });

  it("12 parallel logins with the right code: every one answered 200, none locked out", async () => {
    const { b, url, key, code } = await setup();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        postLogin(url, "summit-2026", key, { email: "ada@example.com", code }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 12 }, () => 200));
    const apiRows = (await loginRows(b)).filter((l) => l.source === "api");
    expect(apiRows.map((l) => l.outcome)).toEqual(Array.from({ length: 12 }, () => "ok"));
  });

  it("400 bad_request naming the field; 413 over 16 KB; 415 not JSON — never a 5xx, never a login", async () => {
    const { b, url, key, code } = await setup();
    const cases: [unknown, Record<string, string>, number, Record<string, unknown>][] = [
      [{ code }, {}, 400, { ok: false, error: "bad_request", message: "email: is required" }],
      [
        { email: "ada@example.com" },
        {},
        400,
        { ok: false, error: "bad_request", message: "code: is required" },
      ],
      [
        { email: 5, code },
        {},
        400,
        { ok: false, error: "bad_request", message: "email: must be a string" },
      ],
      [
        { email: "ada@example.com", code: 1234567890 },
        {},
        400,
        { ok: false, error: "bad_request", message: "code: must be a string" },
      ],
      [
        { email: "ada@example.com", code: ["x"] },
        {},
        400,
        { ok: false, error: "bad_request", message: "code: must be a string" },
      ],
      [
        { email: "not-an-email", code },
        {},
        400,
        { ok: false, error: "bad_request", message: "email: not an email address" },
      ],
      ["[]", {}, 400, { ok: false, error: "bad_request", message: "body: must be a JSON object" }],
      [
        "null",
        {},
        400,
        { ok: false, error: "bad_request", message: "body: must be a JSON object" },
      ],
      [
        '"text"',
        {},
        400,
        { ok: false, error: "bad_request", message: "body: must be a JSON object" },
      ],
      ["{bad json", {}, 400, { ok: false, error: "bad_request", message: "body: not valid JSON" }],
      ["", {}, 400, { ok: false, error: "bad_request", message: "body: empty" }],
      [
        { email: "ada@example.com", code: "x".repeat(200) },
        {},
        400,
        {
          ok: false,
          error: "bad_request",
          message: "code: must NOT have more than 128 characters",
        },
      ],
      [
        JSON.stringify({ email: "ada@example.com", code, pad: "x".repeat(20_000) }),
        {},
        413,
        { ok: false, error: "payload_too_large" },
      ],
      [
        `email=ada@example.com&code=${code}`,
        { "content-type": "application/x-www-form-urlencoded" },
        415,
        { ok: false, error: "unsupported_media_type" },
      ],
      [
        JSON.stringify({ email: "ada@example.com", code }),
        { "content-type": "text/plain" },
        415,
        { ok: false, error: "unsupported_media_type" },
      ],
      [
        Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString("latin1"),
        {},
        400,
        { ok: false, error: "bad_request", message: "body: not valid JSON" },
      ],
    ];
    for (const [body, headers, status, json] of cases) {
      const r = await postLogin(url, "summit-2026", key, body, headers);
      expect({
        body: (JSON.stringify(body) as string | undefined)?.slice(0, 60),
        status: r.status,
        json: r.json,
      }).toEqual({
        body: (JSON.stringify(body) as string | undefined)?.slice(0, 60),
        status,
        json,
      });
    }
    expect(await loginRows(b)).toEqual([]);
  });

  it("401 invalid_venue_key with WWW-Authenticate, 403 for another event's key, 404 for an unknown event", async () => {
    const { b, url, key, code } = await setup();
    const body = { email: "ada@example.com", code };
    for (const presented of [undefined, "evk_wrong", `${key}x`, ""]) {
      const r = await postLogin(url, "summit-2026", presented, body);
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ error: "invalid_venue_key" });
      expect(r.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
    const basic = await postLogin(url, "summit-2026", undefined, body, {
      authorization: `Basic ${Buffer.from(`x:${key}`).toString("base64")}`,
    });
    expect(basic.status).toBe(401);
    // Checked before the body: no key, no 413 and no hint whether the event exists.
    expect((await postLogin(url, "nope", undefined, "x".repeat(20_000))).status).toBe(401);
    const other = await postLogin(url, "expo-2026", key, body);
    expect([other.status, other.json]).toEqual([403, { error: "forbidden" }]);
    const unknown = await postLogin(url, "nope", key, body);
    expect([unknown.status, unknown.json]).toEqual([404, { error: "unknown_event" }]);
    // Revoked: refused at once.
    await b.run(["venue-key", "revoke", "venue"]);
    expect((await postLogin(url, "summit-2026", key, body)).status).toBe(401);
    expect(await loginRows(b)).toEqual([]);
  });

  it("a key for every event works for each of them", async () => {
    const { b, url } = await setup();
    const all = (await b.run(["venue-key", "create", "all"])).stdout.trim();
    const r = await postLogin(url, "expo-2026", all, {
      email: "ada@example.com",
      code: "WRONGCODE2",
    });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ ok: false, error: "invalid_credentials" });
  });

  it("logs one line per request without body, code, token or key", async () => {
    const { url, key, code } = await setup();
    const r = await postLogin(url, "summit-2026", key, { email: "ada@example.com", code });
    await fetch(`${url}/healthz?token=${code}&x=1`);
    const log = server?.log ?? [];
    expect(log).toHaveLength(2);
    expect(log[0]).toMatch(
      /^127\.0\.0\.1 POST \/api\/v1\/events\/summit-2026\/logins 200 \d+\.\dms\n$/,
    );
    expect(log[1]).toMatch(/^127\.0\.0\.1 GET \/healthz\?… 200 /);
    const text = log.join("");
    for (const secret of [code, key, String(r.json.token), "ada@example.com"]) {
      expect(text).not.toContain(secret);
    }
  });

  it("the JWKS publishes one Ed25519 key whose kid the tokens carry", async () => {
    const { url, key, code } = await setup();
    const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as {
      keys: { kty: string; crv: string; kid: string; alg: string; d?: string }[];
    };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(jwks.keys[0]?.d).toBeUndefined();
    const r = await postLogin(url, "summit-2026", key, { email: "ada@example.com", code });
    expect(decodeProtectedHeader(String(r.json.token)).kid).toBe(jwks.keys[0]?.kid);
  });

  it("uses the event's --token-audience and --token-ttl", async () => {
    const { b, url, key, code } = await setup();
    const update = await b.run([
      "event",
      "update",
      "summit-2026",
      "--token-audience",
      "venue-app",
      "--token-ttl",
      "90m",
    ]);
    expect(update.code, update.stderr).toBe(0);
    const r = await postLogin(url, "summit-2026", key, { email: "ada@example.com", code });
    const jwks = createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(String(r.json.token), jwks, {
      issuer: url,
      audience: "venue-app",
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(90 * 60);
  });

  it("signs HS256 with the event's shared secret file (venueless); the JWKS key does not verify it", async () => {
    const { b, url, key, code } = await setup();
    const secret = "venueless-shared-secret-0123456789abcdef";
    b.file("venueless.secret", `${secret}\n`);
    const update = await b.run([
      "event",
      "update",
      "summit-2026",
      "--token-secret-file",
      "venueless.secret",
    ]);
    expect(update.code, update.stderr).toBe(0);
    const r = await postLogin(url, "summit-2026", key, { email: "ada@example.com", code });
    expect(r.status).toBe(200);
    const token = String(r.json.token);
    expect(decodeProtectedHeader(token).alg).toBe("HS256");
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      issuer: url,
      audience: "summit-2026",
      algorithms: ["HS256"],
    });
    expect(payload).toMatchObject({
      email: "ada@example.com",
      traits: ["evcred", "evcred-event-summit-2026"],
    });
    const jwks = createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`));
    await expect(jwtVerify(token, jwks)).rejects.toThrow();
  });

  it("every serve on the same master key signs with the same key (deterministic derivation)", async () => {
    const { b, url } = await setup();
    const second = await startServer(b);
    try {
      const one = await (await fetch(`${url}/.well-known/jwks.json`)).json();
      const two = await (await fetch(`${second.url}/.well-known/jwks.json`)).json();
      expect(two).toEqual(one);
    } finally {
      await second.close();
    }
  });

  it("after key rotate (in another process) it signs with the new key, and tokens signed before still verify", async () => {
    const { b, url, key, code } = await setup();
    const before = await postLogin(url, "summit-2026", key, { email: "ada@example.com", code });
    b.now = new Date(); // the rotation's time, on the server's clock
    const rotated = await b.run(["key", "rotate", "--yes"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const after = await postLogin(url, "summit-2026", key, { email: "ada@example.com", code });
    expect(after.status).toBe(200);
    const oldKid = decodeProtectedHeader(String(before.json.token)).kid;
    const newKid = decodeProtectedHeader(String(after.json.token)).kid;
    expect(newKid).not.toBe(oldKid);
    const published = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    expect(published.keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
    const jwks = createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`));
    for (const r of [before, after]) {
      await expect(jwtVerify(String(r.json.token), jwks, { issuer: url })).resolves.toBeTruthy();
    }
    // The uid survives the rotation: the venue still knows who this is.
    expect((after.json.attendee as { uid: string }).uid).toBe(
      (before.json.attendee as { uid: string }).uid,
    );
  });
});
