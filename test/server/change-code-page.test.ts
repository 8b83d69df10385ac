/**
 * Change my code (`/e/{slug}/code`) against a real listening server and a real SQLite file: the
 * form, a change after which only the new code signs in, the lockout it shares with signing in,
 * the refusals of the new code (a weak one and a taken one alike), and the guards of every page.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { groupCode } from "../../src/domain/codes.js";
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

const NEW_CODE = "ZQWX-7HVB-23";

async function setup(eventArgs: string[] = [], options: SummitOptions = {}) {
  const b = bench();
  server = await serveSummit(b, eventArgs, options);
  return { b, url: server.url, log: server.log, ada: await b.codeOf("ada@example.com", "summit") };
}

const form = (url: string, path = "/e/summit/code") => pageForm(url, path);

async function change(
  url: string,
  fields: { email?: string; current: string; code?: string; repeat?: string },
  headers: Record<string, string> = {},
) {
  const { csrf, cookie } = await form(url);
  const code = fields.code ?? NEW_CODE;
  return postForm(
    url,
    "/e/summit/code",
    {
      csrf,
      email: fields.email ?? "ada@example.com",
      current: fields.current,
      code,
      repeat: fields.repeat ?? code,
    },
    { cookie, ...headers },
  );
}

async function signIn(url: string, email: string, code: string) {
  const { csrf, cookie } = await form(url, "/e/summit");
  return postForm(url, "/e/summit/login", { csrf, email, code }, { cookie });
}

/** Every spelling of a code a page might show. */
function spellings(code: string): string[] {
  const bare = code.replace(/-/g, "").toUpperCase();
  return [bare, groupCode(bare), bare.toLowerCase(), groupCode(bare).toLowerCase(), code];
}

function expectNoCode(text: string, ...codes: string[]) {
  for (const code of codes) {
    for (const spelt of spellings(code)) expect(text).not.toContain(spelt);
  }
}

async function loginRows(b: TestBench) {
  return (await b.snapshot()).logins as { email: string; outcome: string; source: string }[];
}

const INVALID = "The email address or the current code is not right. Check them and try again.";
const REFUSED =
  "That new code cannot be used. Choose another one: 8 to 32 letters and digits, hard to guess.";

describe("GET /e/{slug}/code", () => {
  it("the form: email, current code, new code twice, a CSRF proof; the headers; linked from sign-in", async () => {
    const { url } = await setup();
    const page = await getPage(url, "/e/summit/code");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expectPageSecurityHeaders(page);
    expect(page.html).toContain("<h1>Summit &lt;2026&gt; &amp; Co</h1>");
    expect(page.html).toContain('<form method="post" action="/e/summit/code">');
    expect(page.html).toContain('name="email" type="email"');
    for (const field of ["current", "code", "repeat"]) {
      expect(page.html).toContain(`name="${field}" type="password"`);
    }
    expect(page.html).not.toMatch(/<script|<style|style=/);
    expect(page.csrf).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(page.headers.get("set-cookie")).toMatch(/^evcred_csrf=/);
    const signInPage = await getPage(url, "/e/summit");
    expect(signInPage.html).toContain('<a href="/e/summit/code">Change your code</a>');
    expect((await getPage(url, "/e/nope/code")).status).toBe(404);
  });

  it("in the event's language (pt), sign-in linking to it", async () => {
    const { url } = await setup(["--locale", "pt"]);
    const page = await getPage(url, "/e/summit/code");
    expect(page.html).toContain('<html lang="pt">');
    expect(page.html).toContain("Código atual");
    expect((await getPage(url, "/e/summit")).html).toContain(
      '<a href="/e/summit/code">Alterar o código</a>',
    );
  });

  it("a workspace's own templates/pages/change-code.eta and code-changed.eta win", async () => {
    const { url: own, ada } = await setup([], {
      before: (b) => {
        const dir = join(b.dir, "templates", "pages");
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        chmodSync(join(b.dir, "templates"), 0o700);
        writeFileSync(
          join(dir, "change-code.eta"),
          '<form method="post" action="<%= it.action %>"><input name="csrf" value="<%= it.csrf %>"><%= it.message %> <%= it.email %></form>',
          { mode: 0o600 },
        );
        writeFileSync(join(dir, "code-changed.eta"), "<p>Own: <%= it.sign_in %></p>", {
          mode: 0o600,
        });
      },
    });
    const ownPage = await getPage(own, "/e/summit/code");
    expect(ownPage.html).toContain('action="/e/summit/code"');
    const wrong = await change(own, { current: "WRONGCODE1" });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain("invalid ada@example.com");
    const done = await change(own, { current: ada });
    expect(done.status).toBe(200);
    expect(done.html).toBe("<p>Own: /e/summit</p>");
  });
});

describe("POST /e/{slug}/code", () => {
  it("success: 200 'code changed' with a link to sign in; the old code is refused, the new one signs in; no code anywhere", async () => {
    const { b, url, log, ada } = await setup();
    const page = await change(url, {
      email: "Ada@Example.com",
      current: groupCode(ada).toLowerCase(),
    });
    expect(page.status).toBe(200);
    expectPageSecurityHeaders(page);
    expect(page.html).toContain(
      '<p class="message ok" role="status">Your code has been changed.</p>',
    );
    expect(page.html).toContain('<a class="button" href="/e/summit">Sign in</a>');
    expect(page.html).not.toContain("<form");
    const old = await signIn(url, "ada@example.com", ada);
    expect(old.status).toBe(401);
    const fresh = await signIn(url, "ada@example.com", "zqwx 7hvb 23");
    expect(fresh.status).toBe(200);
    expect(fresh.html).toContain("You are signed in");
    const attendee = (
      (await b.snapshot()).attendees as { email: string; code_source: string }[]
    ).find((a) => a.email === "ada@example.com");
    expect(attendee?.code_source).toBe("attendee");
    expect((await loginRows(b)).map((r) => [r.outcome, r.source])).toEqual([
      ["ok", "page"],
      ["wrong-code", "page"],
      ["ok", "page"],
    ]);
    expectNoCode([page.html, old.html, fresh.html, log.join("")].join("\n"), ada, NEW_CODE);
    expect(log.join("")).toContain("POST /e/summit/code 200");
    expect(log.join("")).not.toContain("@");
  });

  it("a wrong current code and an unknown email: 401, one message for both, the email shown again, no code typed", async () => {
    const { b, url } = await setup();
    const wrong = await change(url, { current: "WRONGCODE1" });
    const unknown = await change(url, { email: "nobody@example.com", current: "WRONGCODE1" });
    for (const page of [wrong, unknown]) {
      expect(page.status).toBe(401);
      expectPageSecurityHeaders(page);
      expect(pageMessage(page)).toBe(INVALID);
      expectNoCode(page.html, "WRONGCODE1", NEW_CODE);
      expect(page.csrf).toBeDefined();
    }
    expect(wrong.html).toContain('value="ada@example.com"');
    const same = (page: PageAnswer) => page.html.replace(/value="[^"]*"/g, 'value=""');
    expect(same(unknown)).toBe(same(wrong));
    expect((await loginRows(b)).map((r) => [r.outcome, r.source])).toEqual([
      ["wrong-code", "page"],
      ["unknown-email", "page"],
    ]);
  });

  it("locked by 5 failures (on this page or at sign-in): 429 with the time it opens again, in the event's zone", async () => {
    const { url, ada } = await setup(["--timezone", "Europe/Madrid"]);
    for (let i = 0; i < 3; i++) {
      expect((await change(url, { current: `WRONGCODE${i}` })).status).toBe(401);
    }
    for (let i = 0; i < 2; i++)
      expect((await signIn(url, "ada@example.com", "WRONGCODE9")).status).toBe(401);
    const page = await change(url, { current: ada });
    expect(page.status).toBe(429);
    expect(Number(page.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(pageMessage(page)).toMatch(
      /^Too many attempts: changing the code is paused until \d\d:\d\d \(Europe\/Madrid\)\.$/,
    );
    expectNoCode(page.html, ada, NEW_CODE);
    // The same lock holds at sign-in, for her right code too.
    expect((await signIn(url, "ada@example.com", ada)).status).toBe(429);
  });

  it("refusals of the new code: a weak one and another attendee's get the same 422 page; differing entries and the same code 422; nothing changed", async () => {
    const { b, url, ada } = await setup();
    const grace = groupCode(await b.codeOf("grace@example.com", "summit"));
    const before = (await b.snapshot()).attendees;
    const weak = await change(url, { current: ada, code: "QQQQ-QQQQ" });
    const taken = await change(url, { current: ada, code: grace });
    for (const page of [weak, taken]) {
      expect(page.status).toBe(422);
      expect(pageMessage(page)).toBe(REFUSED);
      expectNoCode(page.html, ada, grace, "QQQQQQQQ");
    }
    const same = (page: PageAnswer) => page.html.replace(/value="[^"]*"/g, 'value=""');
    expect(same(taken)).toBe(same(weak));
    const mismatch = await change(url, { current: ada, code: NEW_CODE, repeat: "ZQWX-7HVB-24" });
    expect(mismatch.status).toBe(422);
    expect(pageMessage(mismatch)).toBe(
      "The two new codes are not the same. Type the same new code twice.",
    );
    const again = await change(url, { current: ada, code: groupCode(ada) });
    expect(again.status).toBe(422);
    expect(pageMessage(again)).toBe(
      "The new code is the same as the current one. Choose a different one.",
    );
    for (const page of [mismatch, again]) expectNoCode(page.html, ada, NEW_CODE);
    expect((await b.snapshot()).attendees).toEqual(before);
    expect((await signIn(url, "ada@example.com", ada)).status).toBe(200);
  });

  it("bad input: 400 for an email that is not one (a code typed there is not shown back) or a code field over 128", async () => {
    const { b, url, ada } = await setup();
    const codeAsEmail = await change(url, { email: groupCode(ada), current: ada });
    expect(codeAsEmail.status).toBe(400);
    expect(pageMessage(codeAsEmail)).toBe("Enter a valid email address.");
    expect(codeAsEmail.html).toContain(
      'name="email" type="email" autocomplete="email" inputmode="email" required maxlength="320" value=""',
    );
    expectNoCode(codeAsEmail.html, ada, NEW_CODE);
    const atSign = await change(url, { email: `${ada}@x`, current: ada });
    expect(atSign.status).toBe(400);
    expectNoCode(atSign.html, ada);
    for (const field of ["current", "code", "repeat"] as const) {
      const long = await change(url, { current: ada, [field]: "x".repeat(129) });
      expect(long.status, field).toBe(400);
      expect(long.html).toContain("The request could not be read.");
    }
    expect(await loginRows(b)).toEqual([]);
  });

  it("guards: 403 without the form's CSRF proof or cross-site, 415 not a form, 429 over the POST limit; nothing recorded", async () => {
    const { b, url, ada } = await setup([], { pagePostsPerMinute: 8 });
    const { csrf, cookie } = await form(url);
    const other = await form(url);
    const fields = { email: "ada@example.com", current: ada, code: NEW_CODE, repeat: NEW_CODE };
    const refused = [
      await postForm(url, "/e/summit/code", { ...fields, csrf }),
      await postForm(url, "/e/summit/code", fields, { cookie }),
      await postForm(url, "/e/summit/code", { ...fields, csrf: other.csrf }, { cookie }),
      await postForm(
        url,
        "/e/summit/code",
        { ...fields, csrf },
        { cookie, "sec-fetch-site": "cross-site" },
      ),
      await postForm(
        url,
        "/e/summit/code",
        { ...fields, csrf },
        { cookie, origin: "https://evil.example" },
      ),
    ];
    for (const page of refused) {
      expect(page.status).toBe(403);
      expectPageSecurityHeaders(page);
      expect(page.html).toContain("This form has expired or was sent from another site.");
    }
    const json = await fetch(`${url}/e/summit/code`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie },
      body: JSON.stringify({ csrf, ...fields }),
    });
    expect(json.status).toBe(415);
    expect(json.headers.get("cache-control")).toBe("no-store");
    // Six POSTs so far; the 7th and 8th are let through to their guards, the 9th is over.
    expect((await postForm(url, "/e/summit/code", {})).status).toBe(403);
    expect((await postForm(url, "/e/summit/code", {})).status).toBe(403);
    const over = await postForm(url, "/e/summit/code", { ...fields, csrf }, { cookie });
    expect(over.status).toBe(429);
    expect(over.headers.get("retry-after")).toBe("60");
    expectPageSecurityHeaders(over);
    expect(await loginRows(b)).toEqual([]);
    expect(
      ((await b.snapshot()).attendees as { code_source: string }[]).every(
        (a) => a.code_source === "generated",
      ),
    ).toBe(true);
  });
});
