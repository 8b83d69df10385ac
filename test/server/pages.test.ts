import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { getPage, postForm, type PageAnswer, type RunningServer } from "../helpers/server.js";
import {
  expectPageSecurityHeaders,
  pageForm,
  pageMessage,
  serveSummit,
  type SummitOptions,
} from "../helpers/pages.js";
import { benchPerTest, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();
let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(eventArgs: string[] = [], options: SummitOptions = {}) {
  const b = bench();
  server = await serveSummit(b, eventArgs, options);
  return { b, url: server.url, code: await b.codeOf("ada@example.com", "summit") };
}

const form = (url: string) => pageForm(url, "/e/summit");

async function login(url: string, email: string, code: string, headers = {}) {
  const { csrf, cookie } = await form(url);
  return postForm(url, "/e/summit/login", { csrf, email, code }, { cookie, ...headers });
}

async function loginRows(b: TestBench) {
  return (await b.snapshot()).logins as { source: string; ok: number }[];
}

describe("GET /e/{slug}: the sign-in page", () => {
  it("a form with email, code and a CSRF proof; the event's name escaped; the headers; a stylesheet it may load", async () => {
    const { url } = await setup();
    const page = await getPage(url, "/e/summit");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expectPageSecurityHeaders(page);
    expect(page.html).toContain("<h1>Summit &lt;2026&gt; &amp; Co</h1>");
    expect(page.html).toContain('name="email" type="email"');
    expect(page.html).toContain('name="code" type="password"');
    expect(page.html).toContain('<meta name="viewport" content="width=device-width');
    expect(page.html).not.toMatch(/<script|<style|style=/);
    expect(page.headers.get("set-cookie")).toMatch(
      /^evcred_csrf=[A-Za-z0-9_-]{43}; Path=\/e; HttpOnly; SameSite=Strict$/,
    );
    // The same browser keeps its cookie: no new one, the same proof.
    const again = await getPage(url, "/e/summit", page.cookie);
    expect(again.headers.get("set-cookie")).toBeNull();
    expect(again.csrf).toBe(page.csrf);
    const css = await fetch(`${url}/e/-/page.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(await css.text()).toContain("max-width");
  });

  it("an unknown event: 404, a page with the same headers", async () => {
    const { url } = await setup();
    const page = await getPage(url, "/e/nope");
    expect(page.status).toBe(404);
    expectPageSecurityHeaders(page);
    expect(page.html).toContain("This page does not exist.");
    expect((await getPage(url, "/e/summit/elsewhere")).status).toBe(404);
  });

  it("in the event's language (es), and a workspace's own templates/pages/NAME.eta wins", async () => {
    const { url, code } = await setup(["--locale", "es"], {
      before: (b) => {
        const dir = join(b.dir, "templates", "pages");
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        chmodSync(join(b.dir, "templates"), 0o700);
        writeFileSync(
          join(dir, "signed-in.eta"),
          "<p>Own page for <%= it.full_name %> at <%= it.event.name %></p>",
          { mode: 0o600 },
        );
      },
    });
    const page = await getPage(url, "/e/summit");
    expect(page.html).toContain('<html lang="es">');
    expect(page.html).toContain("Código de acceso");
    const signed = await login(url, "ada@example.com", code);
    expect(signed.html).toBe("<p>Own page for Ada Lovelace at Summit &lt;2026&gt; &amp; Co</p>");
    const wrong = await login(url, "ada@example.com", "WRONGCODE1");
    expect(pageMessage(wrong)).toBe(
      "El correo o el código no son correctos. Revísalos e inténtalo de nuevo.",
    );
  });
});

describe("POST /e/{slug}/login", () => {
  it("success without a venue URL: a signed-in page, a login recorded with source page", async () => {
    const { b, url, code } = await setup();
    const page = await login(url, "Ada@Example.com", code);
    expect(page.status).toBe(200);
    expectPageSecurityHeaders(page);
    expect(page.html).toContain("You are signed in");
    expect(page.html).toContain("Welcome, Ada Lovelace.");
    expect(page.html).not.toContain(code);
    expect(await loginRows(b)).toEqual([expect.objectContaining({ source: "page", ok: 1 })]);
  });

  it("success with a venue URL: 303 to it with #token=JWT, which verifies against the JWKS; the form may post there", async () => {
    const { url, code } = await setup(["--venue-url", "https://venue.example/app?x=1#old"]);
    const first = await getPage(url, "/e/summit");
    expect(first.headers.get("content-security-policy")).toContain(
      "form-action 'self' https://venue.example",
    );
    const page = await login(url, "ada@example.com", code);
    expect(page.status).toBe(303);
    expectPageSecurityHeaders(page);
    const location = new URL(page.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}${location.search}`).toBe(
      "https://venue.example/app?x=1",
    );
    const token = /^#token=(.+)$/.exec(location.hash)?.[1] ?? "";
    const jwks = createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(token, jwks, { issuer: url, audience: "summit" });
    expect(payload.profile).toMatchObject({ display_name: "Ada Lovelace" });
  });

  it("a wrong code and an unknown email: 401, the form again, one message for both", async () => {
    const { b, url } = await setup();
    const wrong = await login(url, "ada@example.com", "WRONGCODE1");
    const unknown = await login(url, "nobody@example.com", "WRONGCODE1");
    for (const page of [wrong, unknown]) {
      expect(page.status).toBe(401);
      expectPageSecurityHeaders(page);
      expect(page.csrf).toBeDefined();
    }
    expect(pageMessage(wrong)).toBe(
      "The email address or the code is not right. Check them and try again.",
    );
    expect(pageMessage(unknown)).toBe(pageMessage(wrong));
    const same = (page: PageAnswer) => page.html.replace(/value="[^"]*"/g, 'value=""');
    expect(same(unknown)).toBe(same(wrong));
    expect((await loginRows(b)).every((r) => r.ok === 0 && r.source === "page")).toBe(true);
  });

  it("locked after 5 failures: 429 with the time it opens again, in the event's zone", async () => {
    const { url, code } = await setup(["--timezone", "Europe/Madrid"]);
    for (let i = 0; i < 5; i++) {
      expect((await login(url, "ada@example.com", "WRONGCODE1")).status).toBe(401);
    }
    const page = await login(url, "ada@example.com", code);
    expect(page.status).toBe(429);
    expect(Number(page.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(pageMessage(page)).toMatch(
      /^Too many attempts: signing in is paused until \d\d:\d\d \(Europe\/Madrid\)\.$/,
    );
  });

  it("without a valid CSRF proof: 403, nothing recorded", async () => {
    const { b, url, code } = await setup();
    const { csrf, cookie } = await form(url);
    const other = await form(url);
    const fields = { email: "ada@example.com", code };
    const refused = [
      await postForm(url, "/e/summit/login", { ...fields, csrf }), // no cookie
      await postForm(url, "/e/summit/login", fields, { cookie }), // no proof
      await postForm(url, "/e/summit/login", { ...fields, csrf: other.csrf }, { cookie }),
      await postForm(url, "/e/summit/login", { ...fields, csrf: `${csrf}x` }, { cookie }),
    ];
    for (const page of refused) {
      expect(page.status).toBe(403);
      expectPageSecurityHeaders(page);
      expect(page.html).toContain("This form has expired or was sent from another site.");
    }
    expect(await loginRows(b)).toEqual([]);
  });

  it("cross-site: a foreign Origin or Sec-Fetch-Site → 403 even with a valid proof; same-origin passes", async () => {
    const { b, url, code } = await setup();
    for (const headers of [
      { origin: "https://evil.example" },
      { origin: "null" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
    ]) {
      expect((await login(url, "ada@example.com", code, headers)).status).toBe(403);
    }
    expect(await loginRows(b)).toEqual([]);
    expect(
      (
        await login(url, "ada@example.com", code, {
          origin: url,
          "sec-fetch-site": "cross-site",
        })
      ).status,
    ).toBe(403);
    expect(await loginRows(b)).toEqual([]);
    // Chromium's form POST under Referrer-Policy: no-referrer: Origin null, but same-origin.
    const same = await login(url, "ada@example.com", code, {
      origin: "null",
      "sec-fetch-site": "same-origin",
    });
    expect(same.status).toBe(200);
    expect((await login(url, "ada@example.com", code, { origin: url })).status).toBe(200);
  });

  it("other bodies: JSON is 415, a code over 128 characters 400, a bad email 400 with the form", async () => {
    const { url } = await setup();
    const { csrf, cookie } = await form(url);
    const json = await fetch(`${url}/e/summit/login`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie },
      body: JSON.stringify({ csrf, email: "ada@example.com", code: "x" }),
    });
    expect(json.status).toBe(415);
    expect(json.headers.get("cache-control")).toBe("no-store");
    const long = await postForm(
      url,
      "/e/summit/login",
      { csrf, email: "ada@example.com", code: "x".repeat(129) },
      { cookie },
    );
    expect(long.status).toBe(400);
    const bad = await postForm(
      url,
      "/e/summit/login",
      { csrf, email: "not-an-email", code: "x" },
      { cookie },
    );
    expect(bad.status).toBe(400);
    expect(pageMessage(bad)).toBe("Enter a valid email address.");
  });

  it("30 POSTs a minute per client address (the default), then 429", async () => {
    const { url } = await setup();
    for (let i = 0; i < 30; i++) {
      expect((await postForm(url, "/e/summit/login", {})).status).toBe(403);
    }
    const over = await postForm(url, "/e/summit/login", {});
    expect(over.status).toBe(429);
    expect(over.headers.get("retry-after")).toBe("60");
    expectPageSecurityHeaders(over);
    // GETs are not counted.
    expect((await getPage(url, "/e/summit")).status).toBe(200);
  });
});
