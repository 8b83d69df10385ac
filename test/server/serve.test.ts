import { afterEach, describe, expect, it } from "vitest";
import { buildServer } from "../../src/server/app.js";
import { hashParamsFrom } from "../../src/vault/hash.js";
import {
  getPage,
  killServes,
  postLogin,
  spawnServe as serve,
  startServer,
  type RunningServer,
} from "../helpers/server.js";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runBin } from "../helpers/spawn.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();
let server: RunningServer | undefined;
afterEach(async () => {
  killServes();
  await server?.close();
  server = undefined;
});

async function imported(b: TestBench, env: NodeJS.ProcessEnv = {}): Promise<string> {
  b.file("attendees.csv", SAMPLE_CSV);
  const r = await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"], { env });
  expect(r.code, r.stderr).toBe(0);
  return (await b.run(["venue-key", "create", "venue"])).stdout.trim();
}

describe("evcred serve", () => {
  it("listens, answers, logs one line per request, and stops on SIGTERM after the request in flight", async () => {
    const b = bench();
    // Codes hashed expensively, so a verification takes long enough to be in flight.
    const key = await imported(b, { EVCRED_ARGON2: "m=131072,t=4,p=1" });
    const code = await b.codeOf("ada@example.com");
    const s = await serve(b);
    expect(s.stderr()).toBe(`listening on ${s.url}\n`);
    expect(await (await fetch(`${s.url}/healthz`)).json()).toEqual({ ok: true });
    // A login in flight when SIGTERM arrives is answered (on a kept-alive connection), then exit 0.
    const started = Date.now();
    const inFlight = postLogin(s.url, "summit-2026", key, { email: "ada@example.com", code });
    await new Promise((r) => setTimeout(r, 60));
    s.child.kill("SIGTERM");
    const answered = await inFlight;
    expect(Date.now() - started).toBeGreaterThan(60);
    expect(answered.status).toBe(200);
    const token = String(answered.json.token);
    expect(await s.exited).toBe(0);
    const lines = s.stderr().trim().split("\n");
    expect(lines[0]).toBe(`listening on ${s.url}`);
    expect(lines.filter((l) => / (GET|POST) /.test(l))).toEqual([
      expect.stringMatching(/^127\.0\.0\.1 GET \/healthz 200 \d+\.\dms$/),
      expect.stringMatching(/^127\.0\.0\.1 POST \/api\/v1\/events\/summit-2026\/logins 200 /),
    ]);
    for (const secret of [code, key, token]) {
      expect(s.stderr()).not.toContain(secret);
    }
    // Refuses new connections once stopped.
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
  });

  it("SIGINT stops it too, with exit 0", async () => {
    const b = bench();
    await imported(b);
    const s = await serve(b);
    s.child.kill("SIGINT");
    expect(await s.exited).toBe(0);
  });

  it("takes host, port and public URL from flags or the environment; the public URL is the issuer", async () => {
    const b = bench();
    const key = await imported(b);
    const s = await serve(b, ["--public-url", "https://login.summit.example/"]);
    expect(s.stderr()).toContain("public URL https://login.summit.example\n");
    const r = await postLogin(s.url, "summit-2026", key, {
      email: "ada@example.com",
      code: await b.codeOf("ada@example.com"),
    });
    const payload = JSON.parse(
      Buffer.from(String(r.json.token).split(".")[1] ?? "", "base64url").toString(),
    ) as { iss: string };
    expect(payload.iss).toBe("https://login.summit.example");
    s.child.kill("SIGTERM");
    expect(await s.exited).toBe(0);
    const fromEnv = await serve(b, [], { EVCRED_HOST: "127.0.0.1", EVCRED_PORT: "0" });
    expect(fromEnv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("refuses bad settings with exit 2, naming the flag or variable", async () => {
    const b = bench();
    await imported(b);
    const cases: [string[], NodeJS.ProcessEnv, string][] = [
      [["serve", "--port", "http"], {}, "--port: expected a whole number"],
      [["serve", "--port", "70000"], {}, "--port: must be at most 65535"],
      [["serve"], { EVCRED_PORT: "eighty" }, "EVCRED_PORT: expected a whole number"],
      [["serve", "--public-url", "login.example"], {}, "--public-url: expected an http(s) URL"],
      [["serve"], { EVCRED_PUBLIC_URL: "ftp://x" }, "EVCRED_PUBLIC_URL: expected an http(s) URL"],
    ];
    for (const [argv, env, message] of cases) {
      const r = await runBin(argv, { cwd: b.dir, env: { ...b.env, ...env } });
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });

  it("serves the pages of the folder EVCRED_TEMPLATES names; one that does not exist is exit 2", async () => {
    const b = bench();
    await imported(b);
    const dir = b.path("shared/team-templates");
    mkdirSync(join(dir, "pages"), { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    chmodSync(join(dir, "pages"), 0o700);
    writeFileSync(
      join(dir, "pages", "sign-in.eta"),
      "<p>Team sign-in for <%= it.event.name %></p>",
      {
        mode: 0o600,
      },
    );
    const s = await serve(b, [], { EVCRED_TEMPLATES: dir });
    const page = await getPage(s.url, "/e/summit-2026");
    expect(page.status).toBe(200);
    expect(page.html).toBe("<p>Team sign-in for Summit 2026</p>");
    // Without the variable: the built-in page, as the folder beside the workspace has none.
    const plain = await serve(b);
    expect((await getPage(plain.url, "/e/summit-2026")).html).toContain("<!doctype html>");
    const missing = b.path("no-such-folder");
    const r = await runBin(["serve", "--port", "0"], {
      cwd: b.dir,
      env: { ...b.env, EVCRED_TEMPLATES: missing },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: EVCRED_TEMPLATES names ${missing}, which does not exist`);
    expect(r.stderr).not.toContain("listening on");
  });

  it("a port in use is exit 2 with a hint", async () => {
    const b = bench();
    await imported(b);
    const first = await serve(b);
    const port = new URL(first.url).port;
    const r = await runBin(["serve", "--port", port], { cwd: b.dir, env: b.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
  });

  it("--trust-proxy reads the client's address from X-Forwarded-For, and only then", async () => {
    const b = bench();
    await imported(b);
    for (const trustProxy of [true, false]) {
      server = await startServer(b, { trustProxy });
      await fetch(`${server.url}/healthz`, { headers: { "x-forwarded-for": "203.0.113.9" } });
      expect(server.log[0]?.split(" ")[0]).toBe(trustProxy ? "203.0.113.9" : "127.0.0.1");
      await server.close();
      server = undefined;
    }
  });
});

describe("/healthz and /metrics", () => {
  it("metrics: logins by event and outcome, deliveries by event and status, the duration histogram", async () => {
    const b = bench();
    const key = await imported(b);
    expect((await b.run(["send", "--template", "credentials", "--yes"])).code).toBe(0);
    server = await startServer(b);
    const code = await b.codeOf("ada@example.com");
    await postLogin(server.url, "summit-2026", key, { email: "ada@example.com", code });
    await postLogin(server.url, "summit-2026", key, {
      email: "ada@example.com",
      code: "WRONGCODE2",
    });
    await postLogin(server.url, "summit-2026", key, { email: "x@example.com", code: "WRONGCODE2" });
    const response = await fetch(`${server.url}/metrics`);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('evcred_logins_total{event="summit-2026",outcome="ok"} 1\n');
    expect(text).toContain('evcred_logins_total{event="summit-2026",outcome="wrong-code"} 1\n');
    expect(text).toContain('evcred_logins_total{event="summit-2026",outcome="unknown-email"} 1\n');
    expect(text).toContain('evcred_deliveries_total{event="summit-2026",status="sent"} 3\n');
    expect(text).toContain('evcred_login_duration_seconds_bucket{le="+Inf"} 3\n');
    expect(text).toContain("evcred_login_duration_seconds_count 3\n");
    expect(text).toContain("# TYPE evcred_login_duration_seconds histogram");
    // Counts only: no email, no code.
    expect(text).not.toContain("@");
    expect(text).not.toContain(code);
  });

  it("healthz is 503 when the workspace does not answer (inject)", async () => {
    const b = bench();
    await imported(b);
    const ws = await b.open();
    const app = buildServer({
      ws,
      templatesDir: b.templatesDir,
      now: () => new Date(),
      hashParams: hashParamsFrom(b.env),
      publicUrl: () => "http://localhost",
      log: { write: () => true },
      trustProxy: false,
    });
    expect((await app.inject({ url: "/healthz" })).statusCode).toBe(200);
    void ws.close();
    const down = await app.inject({ url: "/healthz" });
    expect([down.statusCode, down.json()]).toEqual([503, { ok: false }]);
    const missing = await app.inject({ url: "/nothing-here" });
    expect([missing.statusCode, missing.json()]).toEqual([404, { ok: false, error: "not_found" }]);
    await app.close();
  });

  it("the access log shows route patterns, never what the client put in the URL", async () => {
    const b = bench();
    await imported(b);
    server = await startServer(b);
    await fetch(`${server.url}/healthz?token=abc.def`);
    await fetch(`${server.url}/e/x/SECRETCODE`);
    await postLogin(server.url, "SECRETSLUG", undefined, {});
    await postLogin(
      server.url,
      "SECRETSLUG",
      (await b.run(["venue-key", "create", "k"])).stdout.trim(),
      {},
    );
    expect(server.log.map((l) => l.replace(/ [\d.]+ms\n$/, ""))).toEqual([
      "127.0.0.1 GET /healthz?… 200",
      "127.0.0.1 GET (no route) 404",
      "127.0.0.1 POST /api/v1/events/:slug/logins 401",
      "127.0.0.1 POST /api/v1/events/:slug/logins 404",
    ]);
  });
});
