/**
 * The bad-request corpus of `serve`: the venue API and every attendee page that takes a POST,
 * sent by hand over a socket (bytes that are not UTF-8, headers of any size, any framing) to a
 * real listening server. Each case gets its exact status and its JSON `error` or its page, never
 * a 5xx; records only the login it names (most record none); never a successful login; changes
 * no attendee; and echoes no code and no key.
 *
 * To cover another page, add its form to PAGE_FORMS (the guard cases run for it) and its own
 * field cases to the table below.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupCode } from "../../src/domain/codes.js";
import { rawRequest, type RawAnswer, type RawRequest } from "../helpers/raw-http.js";
import { getPage, startServer, type RunningServer } from "../helpers/server.js";
import { SAMPLE_CSV, TestBench } from "../helpers/workspace.js";

const SLUG = "summit-2026";
const API = `/api/v1/events/${SLUG}/logins`;

interface Browser {
  cookie: string;
  csrf: string;
}

/** What the cases are built from, once the server runs. */
interface Ctx {
  /** A venue key for this event. */
  key: string;
  /** A venue key for another event only. */
  expoKey: string;
  /** Ada's real code: a guard that let a request through would sign her in. */
  code: string;
  /** A browser that loaded the page: its cookie and the form's proof for it. */
  browser: Browser;
  /** Another browser's (or an earlier cookie's) cookie and proof. */
  other: Browser;
}

/** What the answer must be: a status, and the JSON `error` (API) or the page's text. */
interface Expected {
  status: number;
  error?: string;
  message?: string;
  /** A phrase of the page (PAGE_TEXT's key, or literal text). */
  page?: keyof typeof PAGE_TEXT;
  headers?: Record<string, RegExp>;
  /** The `outcome` of the one login row the case records; none by default. */
  records?: "wrong-code" | "unknown-email";
}

interface Case extends Expected {
  name: string;
  request: (ctx: Ctx) => RawRequest;
}

const PAGE_TEXT = {
  "not-found": "This page does not exist.",
  forbidden: "This form has expired or was sent from another site.",
  "bad-request": "The request could not be read.",
  invalid: "The email address or the code is not right.",
  "bad-email": "Enter a valid email address.",
  "sign-in": 'name="code" type="password"',
  "change-code": 'name="current" type="password"',
  "code-invalid": "The email address or the current code is not right.",
  mismatch: "The two new codes are not the same.",
  refused: "That new code cannot be used.",
  "same-code": "The new code is the same as the current one.",
} as const;

type Headers = Record<string, string | null>;

/** Merges header changes into defaults: `null` leaves a header out. */
function headerList(defaults: Headers, changes: Headers = {}): [string, string][] {
  const merged: Headers = {};
  for (const [name, value] of Object.entries({ ...defaults, ...lower(changes) })) {
    merged[name.toLowerCase()] = value;
  }
  return Object.entries(merged).filter((e): e is [string, string] => e[1] !== null);
}

function lower(headers: Headers): Headers {
  return Object.fromEntries(Object.entries(headers).map(([n, v]) => [n.toLowerCase(), v]));
}

const json = (value: unknown) => JSON.stringify(value);

// ---------------------------------------------------------------- the venue API

function api(
  body: string | Buffer | undefined,
  options: { headers?: Headers; path?: string; method?: string; chunked?: boolean } = {},
): (ctx: Ctx) => RawRequest {
  return (ctx) => ({
    method: options.method ?? "POST",
    path: options.path ?? API,
    headers: headerList(
      { "content-type": "application/json", authorization: `Bearer ${ctx.key}` },
      options.headers,
    ),
    body,
    chunked: options.chunked ?? false,
  });
}

/** A case built from the context (to use the real code), as a function of it. */
function apiWith(
  make: (ctx: Ctx) => string | Buffer,
  options: Parameters<typeof api>[1] = {},
): (ctx: Ctx) => RawRequest {
  return (ctx) => api(make(ctx), options)(ctx);
}

const bad = (name: string, body: string | Buffer | ((ctx: Ctx) => string), message: string) => ({
  name: `API ${name}`,
  request: typeof body === "function" ? apiWith(body) : api(body),
  status: 400,
  error: "bad_request",
  message,
});

const ada = (ctx: Ctx) => ({ email: "ada@example.com", code: ctx.code });
/**
 * An attendee of their own for each case that reaches a verification, so that no attendee
 * comes near the lockout (which would answer 423 where a case expects its own answer), and Ada
 * none: every case that carries her real code must be refused before the verification.
 */
let guests = 0;
const guest = () => `guest${++guests}@example.com`;
const wrong = () => ({ email: guest(), code: "WRONGCODE2" });
const big = (ctx: Ctx) => json({ ...ada(ctx), pad: "x".repeat(20 * 1024) });

const API_CASES: Case[] = [
  bad("malformed JSON", "{email:", "body: not valid JSON"),
  bad(
    "truncated JSON",
    (c) => `{"email":"ada@example.com","code":"${c.code}`,
    "body: not valid JSON",
  ),
  bad("trailing garbage", (c) => `${json(ada(c))}x`, "body: not valid JSON"),
  bad("two documents", (c) => `${json(ada(c))}${json(ada(c))}`, "body: not valid JSON"),
  bad("single quotes", "{'email':'ada@example.com','code':'x'}", "body: not valid JSON"),
  bad("empty body", "", "body: empty"),
  bad("whitespace body", " \r\n\t ", "body: empty"),
  bad("array body", "[1,2]", "body: must be a JSON object"),
  bad("number body", "42", "body: must be a JSON object"),
  bad("string body", '"ada"', "body: must be a JSON object"),
  bad("null body", "null", "body: must be a JSON object"),
  bad("missing email", (c) => json({ code: c.code }), "email: is required"),
  bad("missing code", json({ email: "ada@example.com" }), "code: is required"),
  bad("empty object", "{}", "email: is required"),
  bad("email a number", (c) => json({ email: 1, code: c.code }), "email: must be a string"),
  bad("email null", (c) => json({ email: null, code: c.code }), "email: must be a string"),
  bad(
    "email an array",
    (c) => json({ email: ["ada@example.com"], code: c.code }),
    "email: must be a string",
  ),
  bad(
    "email an object",
    (c) => json({ email: { $ne: "" }, code: c.code }),
    "email: must be a string",
  ),
  bad(
    "code a number",
    json({ email: "ada@example.com", code: 123456789 }),
    "code: must be a string",
  ),
  bad("code a boolean", json({ email: "ada@example.com", code: true }), "code: must be a string"),
  bad("code null", json({ email: "ada@example.com", code: null }), "code: must be a string"),
  bad(
    "code an array",
    (c) => json({ email: "ada@example.com", code: [c.code] }),
    "code: must be a string",
  ),
  bad(
    "code an object",
    json({ email: "ada@example.com", code: { $gt: "" } }),
    "code: must be a string",
  ),
  bad("email empty", (c) => json({ email: "", code: c.code }), "email: not an email address"),
  bad(
    "email not an address",
    (c) => json({ email: "ada", code: c.code }),
    "email: not an email address",
  ),
  bad(
    "the code typed as the email",
    (c) => json({ email: c.code, code: c.code }),
    "email: not an email address",
  ),
  bad(
    "the grouped code as the email",
    (c) => json({ email: groupCode(c.code), code: "" }),
    "email: not an email address",
  ),
  bad(
    "email with a newline",
    (c) => json({ email: "ada@example.com\nBcc: x@y.z", code: c.code }),
    "email: not an email address",
  ),
  bad(
    "email with a NUL",
    (c) => json({ email: "ada@example.com\u0000", code: c.code }),
    "email: not an email address",
  ),
  bad(
    "email with a control character",
    (c) => json({ email: "ada\u0007@example.com", code: c.code }),
    "email: not an email address",
  ),
  bad(
    "email with a right-to-left override",
    (c) => json({ email: "ada@exa\u202emple.com", code: c.code }),
    "email: not an email address",
  ),
  bad(
    "email too long",
    (c) => json({ email: `${"a".repeat(400)}@example.com`, code: c.code }),
    "email: must NOT have more than 320 characters",
  ),
  bad(
    "email over 254 characters",
    (c) => json({ email: `${"a".repeat(250)}@example.com`, code: c.code }),
    "email: not an email address",
  ),
  bad(
    "code too long",
    json({ email: "ada@example.com", code: "A".repeat(129) }),
    "code: must NOT have more than 128 characters",
  ),
  bad(
    "__proto__ only",
    '{"__proto__":{"email":"ada@example.com","code":"x"}}',
    "email: is required",
  ),
  bad(
    "invalid UTF-8 around the JSON",
    Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    "body: not valid UTF-8",
  ),
  {
    name: "API invalid UTF-8 inside the code",
    request: api(
      Buffer.concat([
        Buffer.from('{"email":"ada@example.com","code":"ABCD'),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from('EFGH"}'),
      ]),
    ),
    status: 400,
    error: "bad_request",
    message: "body: not valid UTF-8",
  },
  {
    name: "API an overlong UTF-8 slash",
    request: api(
      Buffer.from([...Buffer.from('{"email":"ada@example.com","code":"A'), 0xc0, 0xaf, 0x22, 0x7d]),
    ),
    status: 400,
    error: "bad_request",
    message: "body: not valid UTF-8",
  },
  {
    name: "API a NUL in the code: a wrong code",
    request: api(json({ email: guest(), code: "WRONG\u0000CODE2" })),
    status: 401,
    error: "invalid_credentials",
    records: "wrong-code",
  },
  {
    name: "API empty code: a wrong code",
    request: api(json({ email: guest(), code: "" })),
    status: 401,
    error: "invalid_credentials",
    records: "wrong-code",
  },
  {
    name: "API extra fields are ignored: a wrong code is still wrong",
    request: api(json({ ...wrong(), admin: true, ok: true, attendee: { id: 1 } })),
    status: 401,
    error: "invalid_credentials",
    records: "wrong-code",
  },
  {
    name: "API duplicated keys: the last one counts, as in JSON.parse",
    request: apiWith(
      (c) => `{"email":"ada@example.com","code":"${c.code}","email":"nobody@example.com"}`,
    ),
    status: 401,
    error: "invalid_credentials",
    records: "unknown-email",
  },
  {
    name: "API upper-case media type with its charset: read",
    request: api(json(wrong()), { headers: { "content-type": "Application/JSON; charset=UTF-8" } }),
    status: 401,
    error: "invalid_credentials",
    records: "wrong-code",
  },
  {
    name: "API JSON in another charset",
    request: apiWith((c) => json(ada(c)), {
      headers: { "content-type": "application/json; charset=utf-16" },
    }),
    status: 415,
    error: "unsupported_media_type",
  },
  {
    name: "API JSON in Latin-1",
    request: apiWith((c) => json(ada(c)), {
      headers: { "content-type": "application/json; charset=iso-8859-1" },
    }),
    status: 415,
    error: "unsupported_media_type",
  },
  {
    name: "API 20 KB body",
    request: apiWith(big),
    status: 413,
    error: "payload_too_large",
  },
  {
    name: "API 20 KB chunked body (no Content-Length)",
    request: apiWith(big, { chunked: true }),
    status: 413,
    error: "payload_too_large",
  },
  {
    name: "API a Content-Length larger than the body limit, body not sent",
    request: api(undefined, { headers: { "content-length": String(10 * 1024 * 1024) } }),
    status: 413,
    error: "payload_too_large",
  },
  ...(
    [
      ["text/plain", "text/plain"],
      ["form-encoded", "application/x-www-form-urlencoded"],
      ["multipart", "multipart/form-data; boundary=x"],
      ["xml", "application/xml"],
      ["a JSON look-alike", "application/jsonx"],
      ["no content type", null],
    ] as const
  ).map(([name, type]): Case => ({
    name: `API ${name}`,
    request: apiWith((c) => json(ada(c)), { headers: { "content-type": type } }),
    status: 415,
    error: "unsupported_media_type",
  })),
  ...(
    [
      ["no key", () => null],
      ["an empty key", () => "Bearer "],
      ["a wrong key", () => "Bearer evk_not-a-key"],
      ["the key without Bearer", (c: Ctx) => c.key],
      ["the key as Basic", (c: Ctx) => `Basic ${Buffer.from(`x:${c.key}`).toString("base64")}`],
      ["the key with a suffix", (c: Ctx) => `Bearer ${c.key}x`],
      ["the key cut short", (c: Ctx) => `Bearer ${c.key.slice(0, -1)}`],
      ["a 5 KB key", () => `Bearer ${"k".repeat(5000)}`],
    ] as const
  ).map(([name, authorization]): Case => ({
    name: `API ${name}`,
    request: (c) =>
      apiWith((x) => json(ada(x)), { headers: { authorization: authorization(c) } })(c),
    status: 401,
    error: "invalid_venue_key",
    headers: { "www-authenticate": /^Bearer\b/ },
  })),
  {
    name: "API no key and an unknown event: 401, not which events exist",
    request: apiWith((c) => json(ada(c)), {
      path: "/api/v1/events/nope/logins",
      headers: { authorization: null },
    }),
    status: 401,
    error: "invalid_venue_key",
    headers: { "www-authenticate": /^Bearer\b/ },
  },
  {
    name: "API key of another event",
    request: (c) =>
      apiWith((x) => json(ada(x)), { headers: { authorization: `Bearer ${c.expoKey}` } })(c),
    status: 403,
    error: "forbidden",
  },
  {
    name: "API this event's key on another event",
    request: apiWith((c) => json(ada(c)), { path: "/api/v1/events/expo-2026/logins" }),
    status: 403,
    error: "forbidden",
  },
  {
    name: "API unknown event",
    request: apiWith((c) => json(ada(c)), { path: "/api/v1/events/nope/logins" }),
    status: 404,
    error: "unknown_event",
  },
  {
    name: "API slug with an encoded path",
    request: apiWith((c) => json(ada(c)), { path: "/api/v1/events/..%2F..%2Fetc/logins" }),
    status: 404,
    error: "unknown_event",
  },
  {
    name: "API slug of 2 KB",
    request: apiWith((c) => json(ada(c)), { path: `/api/v1/events/${"s".repeat(2048)}/logins` }),
    status: 404,
    error: "unknown_event",
  },
  {
    name: "API slug of 2 KB ending with the code (not quoted back)",
    request: (c) =>
      apiWith((x) => json(ada(x)), { path: `/api/v1/events/${"s".repeat(2048)}${c.code}/logins` })(
        c,
      ),
    status: 404,
    error: "unknown_event",
  },
  {
    name: "API a broken escape in the slug, after the code (not quoted back)",
    request: (c) =>
      apiWith((x) => json(ada(x)), { path: `/api/v1/events/${c.code}%E0%A4%A/logins` })(c),
    status: 400,
    error: "bad_request",
    message: "url: not valid",
  },
  {
    name: "API GET on the login URL",
    request: api(undefined, { method: "GET" }),
    status: 404,
    error: "not_found",
  },
  {
    name: "API PUT on the login URL",
    request: apiWith((c) => json(ada(c)), { method: "PUT" }),
    status: 404,
    error: "not_found",
  },
  {
    name: "API DELETE on the login URL",
    request: api(undefined, { method: "DELETE" }),
    status: 404,
    error: "not_found",
  },
  {
    name: "API a 20 KB header",
    request: apiWith((c) => json(ada(c)), { headers: { "x-pad": "x".repeat(20 * 1024) } }),
    status: 431,
    error: "headers_too_large",
  },
  {
    name: "API a 20 KB URL",
    request: apiWith((c) => json(ada(c)), { path: `${API}?${"q".repeat(20 * 1024)}` }),
    status: 431,
    error: "headers_too_large",
  },
  {
    name: "API a control character in a header",
    request: apiWith((c) => json(ada(c)), { headers: { "x-odd": "a\u0001b" } }),
    status: 400,
    error: "bad_request",
  },
];

// ---------------------------------------------------------------- the attendee pages

/** A page's form, as a browser would post it, with the fields that would succeed. */
interface PageForm {
  path: string;
  /** The fields that would do what the form is for: every guard case must stop them. */
  fields: (ctx: Ctx) => Record<string, string>;
}

/** Every page that takes a POST. */
const PAGE_FORMS: PageForm[] = [
  { path: `/e/${SLUG}/login`, fields: (c) => ({ email: "ada@example.com", code: c.code }) },
  {
    path: `/e/${SLUG}/code`,
    fields: (c) => ({ email: "ada@example.com", current: c.code, code: NEW, repeat: NEW }),
  },
];

/** A new code the change-my-code form would accept. */
const NEW = "ZQWX-7HVB-23";

type Csrf = "valid" | "none" | "no-cookie" | "stale" | "forged" | "cookie-as-proof";

function page(
  path: string,
  fields: (ctx: Ctx) => Record<string, string> | string | Buffer,
  options: { headers?: Headers; csrf?: Csrf; method?: string; chunked?: boolean } = {},
): (ctx: Ctx) => RawRequest {
  return (ctx) => {
    const csrf = options.csrf ?? "valid";
    const given = fields(ctx);
    const proof = {
      valid: ctx.browser.csrf,
      none: undefined,
      "no-cookie": ctx.browser.csrf,
      stale: ctx.other.csrf,
      forged: "A".repeat(43),
      "cookie-as-proof": ctx.browser.cookie.split("=")[1] ?? "",
    }[csrf];
    const body =
      typeof given === "string" || Buffer.isBuffer(given)
        ? given
        : new URLSearchParams({
            ...(proof === undefined ? {} : { csrf: proof }),
            ...given,
          }).toString();
    return {
      method: options.method ?? "POST",
      path,
      headers: headerList(
        {
          "content-type": "application/x-www-form-urlencoded",
          cookie: csrf === "no-cookie" ? null : ctx.browser.cookie,
        },
        options.headers,
      ),
      body,
      chunked: options.chunked ?? false,
    };
  };
}

/** The cases every page form gets: its guards, with the fields that would otherwise succeed. */
function guardCases(form: PageForm): Case[] {
  const name = (what: string) => `page ${form.path} ${what}`;
  const withProof = (c: Ctx) =>
    new URLSearchParams({ csrf: c.browser.csrf, ...form.fields(c) }).toString();
  const refusedAs = (
    what: string,
    options: Parameters<typeof page>[2],
    status: number,
    text: keyof typeof PAGE_TEXT,
  ): Case => ({
    name: name(what),
    request: page(form.path, form.fields, options),
    status,
    page: text,
  });
  return [
    refusedAs("without a CSRF proof", { csrf: "none" }, 403, "forbidden"),
    refusedAs("without the CSRF cookie", { csrf: "no-cookie" }, 403, "forbidden"),
    refusedAs("a stale proof (for an earlier cookie)", { csrf: "stale" }, 403, "forbidden"),
    refusedAs("a forged proof", { csrf: "forged" }, 403, "forbidden"),
    refusedAs("the cookie as its own proof", { csrf: "cookie-as-proof" }, 403, "forbidden"),
    refusedAs(
      "a cross-site Origin",
      { headers: { origin: "https://evil.example" } },
      403,
      "forbidden",
    ),
    refusedAs("Origin: null", { headers: { origin: "null" } }, 403, "forbidden"),
    refusedAs(
      "Sec-Fetch-Site: cross-site",
      { headers: { "sec-fetch-site": "cross-site" } },
      403,
      "forbidden",
    ),
    refusedAs(
      "Sec-Fetch-Site: same-site",
      { headers: { "sec-fetch-site": "same-site" } },
      403,
      "forbidden",
    ),
    refusedAs(
      "Sec-Fetch-Site: cross-site with this Origin",
      { headers: { "sec-fetch-site": "cross-site", origin: "SELF" } },
      403,
      "forbidden",
    ),
    refusedAs("as JSON", { headers: { "content-type": "application/json" } }, 415, "bad-request"),
    refusedAs("as text/plain", { headers: { "content-type": "text/plain" } }, 415, "bad-request"),
    refusedAs(
      "as multipart",
      { headers: { "content-type": "multipart/form-data; boundary=x" } },
      415,
      "bad-request",
    ),
    refusedAs("without a content type", { headers: { "content-type": null } }, 415, "bad-request"),
    refusedAs(
      "a form in Latin-1",
      { headers: { "content-type": "application/x-www-form-urlencoded; charset=iso-8859-1" } },
      415,
      "bad-request",
    ),
    {
      name: name("20 KB body"),
      request: page(form.path, (c) => `${withProof(c)}&pad=${"x".repeat(20 * 1024)}`),
      status: 413,
      page: "bad-request",
    },
    {
      name: name("20 KB chunked body"),
      request: page(form.path, (c) => `${withProof(c)}&pad=${"x".repeat(20 * 1024)}`, {
        chunked: true,
      }),
      status: 413,
      page: "bad-request",
    },
    {
      name: name("invalid UTF-8 bytes"),
      request: page(form.path, (c) =>
        Buffer.concat([Buffer.from(`${withProof(c)}&x=`), Buffer.from([0xff, 0xfe])]),
      ),
      status: 400,
      page: "bad-request",
    },
    {
      name: name("percent-encoded invalid UTF-8"),
      request: page(form.path, (c) => `${withProof(c)}&x=%FF%FE`),
      status: 400,
      page: "bad-request",
    },
    {
      name: name("a broken percent escape"),
      request: page(form.path, (c) => `${withProof(c)}&x=%E0%A4%A`),
      status: 400,
      page: "bad-request",
    },
    {
      name: name("a 20 KB header"),
      request: page(form.path, form.fields, { headers: { "x-pad": "x".repeat(20 * 1024) } }),
      status: 431,
      error: "headers_too_large",
    },
    {
      name: name("on an unknown event"),
      request: page(form.path.replace(SLUG, "nope"), form.fields),
      status: 404,
      page: "not-found",
    },
    {
      name: name("PUT"),
      request: page(form.path, form.fields, { method: "PUT" }),
      status: 404,
      page: "not-found",
    },
  ];
}

const LOGIN = `/e/${SLUG}/login`;
const signIn = (
  fields: (ctx: Ctx) => Record<string, string> | string,
  options?: Parameters<typeof page>[2],
) => page(LOGIN, fields, options);

const CODE = `/e/${SLUG}/code`;
const changeCode = (
  fields: (ctx: Ctx) => Record<string, string> | string,
  options?: Parameters<typeof page>[2],
) => page(CODE, fields, options);

/** Change my code: the cases of its own fields (its guards are PAGE_FORMS'). */
const CHANGE_CODE_CASES: Case[] = [
  {
    name: "page code GET with a code in the query (not quoted back)",
    request: (c) => ({
      method: "GET",
      path: `${CODE}?current=${c.code}`,
      headers: [["Cookie", c.browser.cookie]],
    }),
    status: 200,
    page: "change-code",
  },
  {
    name: "page code without fields",
    request: changeCode(() => ({})),
    status: 400,
    page: "bad-email",
  },
  {
    name: "page code the code typed as the email (not shown back)",
    request: changeCode((c) => ({ email: c.code, current: c.code, code: NEW, repeat: NEW })),
    status: 400,
    page: "bad-email",
  },
  {
    name: "page code the grouped code with an @ as the email (not shown back)",
    request: changeCode((c) => ({
      email: `${groupCode(c.code)}@x`,
      current: c.code,
      code: NEW,
      repeat: NEW,
    })),
    status: 400,
    page: "bad-email",
  },
  {
    name: "page code a current code over 128 characters",
    request: changeCode(() => ({
      email: "ada@example.com",
      current: "A".repeat(129),
      code: NEW,
      repeat: NEW,
    })),
    status: 400,
    page: "bad-request",
  },
  {
    name: "page code a new code over 128 characters",
    request: changeCode((c) => ({
      email: "ada@example.com",
      current: c.code,
      code: "A".repeat(129),
      repeat: "A".repeat(129),
    })),
    status: 400,
    page: "bad-request",
  },
  {
    name: "page code the new code's entries differ (nothing verified)",
    request: changeCode((c) => ({
      email: "ada@example.com",
      current: c.code,
      code: NEW,
      repeat: "ZQWX-7HVB-24",
    })),
    status: 422,
    page: "mismatch",
  },
  {
    name: "page code the new code missing its second entry",
    request: changeCode((c) => ({ email: "ada@example.com", current: c.code, code: NEW })),
    status: 422,
    page: "mismatch",
  },
  {
    name: "page code a weak new code (refused by the rule, nothing verified)",
    request: changeCode((c) => ({
      email: "ada@example.com",
      current: c.code,
      code: "1234-5678",
      repeat: "12345678",
    })),
    status: 422,
    page: "refused",
  },
  {
    name: "page code the current code as the new one (not quoted back)",
    request: changeCode((c) => ({
      email: "ada@example.com",
      current: c.code,
      code: groupCode(c.code).toLowerCase(),
      repeat: c.code,
    })),
    status: 422,
    page: "same-code",
  },
  {
    name: "page code a wrong current code",
    request: ((email) =>
      changeCode(() => ({ email, current: "WRONGCODE2", code: NEW, repeat: NEW })))(guest()),
    status: 401,
    page: "code-invalid",
    records: "wrong-code",
  },
  {
    name: "page code no current code: a wrong code",
    request: ((email) => changeCode(() => ({ email, code: NEW, repeat: NEW })))(guest()),
    status: 401,
    page: "code-invalid",
    records: "wrong-code",
  },
  {
    name: "page code an unknown email",
    request: changeCode(() => ({
      email: "nobody@example.com",
      current: "WRONGCODE2",
      code: NEW,
      repeat: NEW,
    })),
    status: 401,
    page: "code-invalid",
    records: "unknown-email",
  },
  {
    name: "page code another attendee's code as the new one, unproved: a wrong code, not 'taken'",
    request: ((email) =>
      changeCode((c) => ({ email, current: "WRONGCODE2", code: c.code, repeat: c.code })))(guest()),
    status: 401,
    page: "code-invalid",
    records: "wrong-code",
  },
  {
    name: "page code a repeated field: the first one counts",
    request: changeCode(
      (c) =>
        `csrf=${c.browser.csrf}&email=nobody%40example.com&email=ada%40example.com&current=${c.code}&code=${NEW}&repeat=${NEW}`,
    ),
    status: 401,
    page: "code-invalid",
    records: "unknown-email",
  },
];

const PAGE_CASES: Case[] = [
  ...PAGE_FORMS.flatMap(guardCases),
  ...CHANGE_CODE_CASES,
  {
    name: "page a 2 KB slug ending with the code (not quoted back)",
    request: (c) => page(`/e/${"s".repeat(2048)}${c.code}/login`, ada)(c),
    status: 404,
    page: "not-found",
  },
  {
    name: "page a broken escape in the slug, after the code (not quoted back)",
    request: (c) => page(`/e/${c.code}%E0%A4%A/login`, ada)(c),
    status: 400,
    error: "bad_request",
    message: "url: not valid",
  },
  {
    name: "page login GET",
    request: (c) => ({ method: "GET", path: LOGIN, headers: [["Cookie", c.browser.cookie]] }),
    status: 404,
    page: "not-found",
  },
  {
    name: "page login without fields",
    request: signIn(() => ({})),
    status: 400,
    page: "bad-email",
  },
  {
    name: "page login with an empty email",
    request: signIn((c) => ({ email: "", code: c.code })),
    status: 400,
    page: "bad-email",
  },
  {
    name: "page login the code typed as the email (not shown back)",
    request: signIn((c) => ({ email: c.code, code: c.code })),
    status: 400,
    page: "bad-email",
  },
  {
    name: "page login the grouped code typed as the email (not shown back)",
    request: signIn((c) => ({ email: groupCode(c.code).toLowerCase(), code: "" })),
    status: 400,
    page: "bad-email",
  },
  {
    name: "page login an email with a NUL",
    request: signIn((c) => ({ email: "ada@example.com\u0000", code: c.code })),
    status: 400,
    page: "bad-email",
  },
  {
    name: "page login an email with a newline",
    request: signIn((c) => ({ email: "ada@example.com\r\nBcc: x@y.z", code: c.code })),
    status: 400,
    page: "bad-email",
  },
  {
    name: "page login a 2 KB email",
    request: signIn((c) => ({ email: `${"a".repeat(2000)}@example.com`, code: c.code })),
    status: 400,
    page: "bad-email",
  },
  {
    name: "page login a code over 128 characters",
    request: signIn(() => ({ email: "ada@example.com", code: "A".repeat(129) })),
    status: 400,
    page: "bad-request",
  },
  {
    name: "page login no code: a wrong code",
    request: ((email) => signIn(() => ({ email })))(guest()),
    status: 401,
    page: "invalid",
    records: "wrong-code",
  },
  {
    name: "page login a NUL in the code: a wrong code",
    request: ((email) => signIn(() => ({ email, code: "WRONG\u0000CODE2" })))(guest()),
    status: 401,
    page: "invalid",
    records: "wrong-code",
  },
  {
    name: "page login extra fields are ignored",
    request: ((email) => signIn(() => ({ email, code: "WRONGCODE2", ok: "1", admin: "true" })))(
      guest(),
    ),
    status: 401,
    page: "invalid",
    records: "wrong-code",
  },
  {
    name: "page login a repeated field: the first one counts",
    request: signIn(
      (c) =>
        `csrf=${c.browser.csrf}&email=nobody%40example.com&email=ada%40example.com&code=${c.code}`,
    ),
    status: 401,
    page: "invalid",
    records: "unknown-email",
  },
  {
    name: "page login a form with its UTF-8 charset: read",
    request: signIn(() => ({ email: "nobody2@example.com", code: "WRONGCODE2" }), {
      headers: { "content-type": "application/x-www-form-urlencoded; charset=UTF-8" },
    }),
    status: 401,
    page: "invalid",
    records: "unknown-email",
  },
];

// ---------------------------------------------------------------- the run

let b: TestBench;
let server: RunningServer;
let ctx: Ctx;

beforeAll(async () => {
  b = await TestBench.create();
  const guestRows = Array.from(
    { length: guests },
    (_, i) => `guest${i + 1}@example.com,Guest,${i + 1},`,
  );
  b.file("attendees.csv", `${SAMPLE_CSV}${guestRows.join("\n")}\n`);
  expect((await b.run(["import", "attendees.csv", "--event", SLUG, "--yes"])).code).toBe(0);
  expect((await b.run(["event", "create", "Expo 2026"])).code).toBe(0);
  const key = (await b.run(["venue-key", "create", "venue", "--event", SLUG])).stdout.trim();
  const expoKey = (
    await b.run(["venue-key", "create", "expo", "--event", "expo-2026"])
  ).stdout.trim();
  // The cases post far more than the pages' 30 a minute: that limit has its own test.
  server = await startServer(b, { pagePostsPerMinute: 100_000 });
  const browser = async (): Promise<Browser> => {
    const form = await getPage(server.url, `/e/${SLUG}`);
    return { cookie: form.cookie ?? "", csrf: form.csrf ?? "" };
  };
  ctx = {
    key,
    expoKey,
    code: await b.codeOf("ada@example.com"),
    browser: await browser(),
    other: await browser(),
  };
  expect(ctx.browser.csrf).not.toBe(ctx.other.csrf);
});
afterAll(async () => {
  await server.close();
  await b.cleanup();
});

interface Login {
  id: number;
  ok: number;
  outcome: string;
}

function secretsIn(answer: RawAnswer | string): string[] {
  const wire = (typeof answer === "string" ? answer : answer.raw.toString("latin1")).toLowerCase();
  const spellings = [ctx.code, groupCode(ctx.code), ctx.key].map((s) => s.toLowerCase());
  return spellings.filter((s) => wire.includes(s));
}

async function check(c: Case): Promise<void> {
  const before = await b.snapshot();
  const request = c.request(ctx);
  // "SELF" in a header stands for this server's own origin.
  request.headers = request.headers?.map(([n, v]) => [n, v === "SELF" ? server.url : v]);
  const logged = server.log.length;
  const answer = await rawRequest(server.url, request);
  // The access log's line is written as the answer finishes: wait for it, not for a time.
  for (let waited = 0; server.log.length === logged && waited < 5000; waited += 5) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const after = await b.snapshot();

  const got: Record<string, unknown> = { status: answer.status };
  const want: Record<string, unknown> = { status: c.status };
  if (c.error !== undefined) {
    const body = JSON.parse(answer.text) as Record<string, unknown>;
    got.error = body.error;
    want.error = c.error;
    if (c.message !== undefined) {
      got.message = body.message;
      want.message = c.message;
    }
  }
  if (c.page !== undefined) {
    got.page = answer.text.includes(PAGE_TEXT[c.page]);
    want.page = true;
    got.type = answer.headers["content-type"];
    want.type = "text/html; charset=utf-8";
    got.cache = answer.headers["cache-control"];
    want.cache = "no-store";
  }
  for (const [name, pattern] of Object.entries(c.headers ?? {})) {
    got[name] = pattern.test(answer.headers[name] ?? "");
    want[name] = true;
  }
  const seen = new Set((before.logins as Login[]).map((l) => l.id));
  const recorded = (after.logins as Login[]).filter((l) => !seen.has(l.id));
  got.records = recorded.map((l) => l.outcome);
  want.records = c.records === undefined ? [] : [c.records];
  // One access-log line per request, whoever answered it (a route, the router, Node's parser).
  const lines = server.log.slice(logged);
  got.logLines = lines.length;
  want.logLines = 1;
  got.secrets = [...secretsIn(answer), ...secretsIn(lines.join(""))];
  want.secrets = [];
  got.attendeesUnchanged = JSON.stringify(after.attendees) === JSON.stringify(before.attendees);
  want.attendeesUnchanged = true;
  expect({ case: c.name, ...got }).toEqual({ case: c.name, ...want });
}

describe("the bad-request corpus", () => {
  const all = [...API_CASES, ...PAGE_CASES];

  it("has 30+ cases for the API and for the pages, each name once", () => {
    expect(API_CASES.length).toBeGreaterThanOrEqual(30);
    expect(PAGE_CASES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(all.map((c) => c.name)).size).toBe(all.length);
  });

  it.each(all.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    await check(c);
  });

  it("after all of them: never a 5xx in the access log, and no successful login", async () => {
    expect(server.log.filter((line) => / 5\d\d [\d.]+ms$/.test(line.trim()))).toEqual([]);
    expect(((await b.snapshot()).logins as Login[]).filter((l) => l.ok)).toEqual([]);
  });
});
