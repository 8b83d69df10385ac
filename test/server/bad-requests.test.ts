/**
 * The venue API's bad-request corpus: every case gets its status and error, never a 5xx, and
 * none is recorded as a successful login.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../helpers/server.js";
import { SAMPLE_CSV, TestBench } from "../helpers/workspace.js";

let b: TestBench;
let server: RunningServer;
let key: string;
let code: string;

beforeAll(async () => {
  b = new TestBench();
  b.file("attendees.csv", SAMPLE_CSV);
  expect((await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"])).code).toBe(
    0,
  );
  expect((await b.run(["event", "create", "Expo 2026"])).code).toBe(0);
  key = (await b.run(["venue-key", "create", "venue", "--event", "summit-2026"])).stdout.trim();
  code = b.codeOf("ada@example.com");
  server = await startServer(b);
});
afterAll(async () => {
  await server.close();
  b.cleanup();
});

interface Case {
  name: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer | undefined;
  status: number;
  error?: string;
  message?: string;
}

const LOGINS = "/api/v1/events/summit-2026/logins";
const json = (value: unknown) => JSON.stringify(value);

function cases(): Case[] {
  const good = { email: "ada@example.com", code };
  const bad = (name: string, body: string | Buffer, message?: string): Case => ({
    name,
    body,
    status: 400,
    error: "bad_request",
    ...(message === undefined ? {} : { message }),
  });
  return [
    bad("malformed JSON", "{email:", "body: not valid JSON"),
    bad("truncated JSON", '{"email":"ada@example.com","code":"', "body: not valid JSON"),
    bad("trailing garbage", `${json(good)}x`, "body: not valid JSON"),
    bad("empty body", "", "body: empty"),
    bad("whitespace body", "   ", "body: empty"),
    bad("array body", "[1,2]", "body: must be a JSON object"),
    bad("number body", "42", "body: must be a JSON object"),
    bad("string body", '"ada"', "body: must be a JSON object"),
    bad("null body", "null", "body: must be a JSON object"),
    bad("missing email", json({ code }), "email: is required"),
    bad("missing code", json({ email: "ada@example.com" }), "code: is required"),
    bad("empty object", "{}", "email: is required"),
    bad("email a number", json({ email: 1, code }), "email: must be a string"),
    bad("email null", json({ email: null, code }), "email: must be a string"),
    bad("email an object", json({ email: { $ne: "" }, code }), "email: must be a string"),
    bad(
      "code a number",
      json({ email: "ada@example.com", code: 123456789 }),
      "code: must be a string",
    ),
    bad("code a boolean", json({ email: "ada@example.com", code: true }), "code: must be a string"),
    bad(
      "code an array",
      json({ email: "ada@example.com", code: [code] }),
      "code: must be a string",
    ),
    bad("email not an address", json({ email: "ada", code }), "email: not an email address"),
    bad(
      "email with a newline",
      json({ email: "ada@example.com\nBcc: x@y.z", code }),
      "email: not an email address",
    ),
    bad(
      "email too long",
      json({ email: `${"a".repeat(400)}@example.com`, code }),
      "email: must NOT have more than 320 characters",
    ),
    bad(
      "code too long",
      json({ email: "ada@example.com", code: "A".repeat(129) }),
      "code: must NOT have more than 128 characters",
    ),
    bad("invalid UTF-8", Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
    bad(
      "__proto__ only",
      '{"__proto__":{"email":"ada@example.com","code":"x"}}',
      "email: is required",
    ),
    {
      name: "20 KB body",
      body: json({ ...good, pad: "x".repeat(20 * 1024) }),
      status: 413,
      error: "payload_too_large",
    },
    {
      name: "20 KB chunked body (no Content-Length)",
      body: Buffer.from(json({ ...good, pad: "x".repeat(20 * 1024) })),
      headers: { "transfer-encoding": "chunked" },
      status: 413,
      error: "payload_too_large",
    },
    {
      name: "text/plain",
      headers: { "content-type": "text/plain" },
      body: json(good),
      status: 415,
      error: "unsupported_media_type",
    },
    {
      name: "form-encoded",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "email=a&code=b",
      status: 415,
      error: "unsupported_media_type",
    },
    {
      name: "multipart",
      headers: { "content-type": "multipart/form-data; boundary=x" },
      body: "--x--",
      status: 415,
      error: "unsupported_media_type",
    },
    {
      name: "xml",
      headers: { "content-type": "application/xml" },
      body: "<a/>",
      status: 415,
      error: "unsupported_media_type",
    },
    {
      name: "no content type",
      headers: { "content-type": "" },
      body: json(good),
      status: 415,
      error: "unsupported_media_type",
    },
    {
      name: "no key",
      headers: { authorization: "" },
      body: json(good),
      status: 401,
      error: "invalid_venue_key",
    },
    {
      name: "wrong key",
      headers: { authorization: "Bearer evk_not-a-key" },
      body: json(good),
      status: 401,
      error: "invalid_venue_key",
    },
    {
      name: "key without Bearer",
      headers: { authorization: key },
      body: json(good),
      status: 401,
      error: "invalid_venue_key",
    },
    {
      name: "key of another event",
      path: "/api/v1/events/expo-2026/logins",
      body: json(good),
      status: 403,
      error: "forbidden",
    },
    {
      name: "unknown event",
      path: "/api/v1/events/nope/logins",
      body: json(good),
      status: 404,
      error: "unknown_event",
    },
    {
      name: "slug with dots",
      path: "/api/v1/events/..%2F..%2Fetc/logins",
      body: json(good),
      status: 404,
      error: "unknown_event",
    },
    {
      name: "GET on the login URL",
      method: "GET",
      body: undefined,
      status: 404,
      error: "not_found",
    },
    {
      name: "PUT on the login URL",
      method: "PUT",
      body: json(good),
      status: 404,
      error: "not_found",
    },
    {
      name: "huge header",
      headers: { "x-pad": "x".repeat(20 * 1024) },
      body: json(good),
      status: 431,
    },
  ];
}

describe("bad requests to the venue API", () => {
  it("each gets its status and error, never a 5xx, and no successful login", async () => {
    const list = cases();
    expect(list.length).toBeGreaterThanOrEqual(30);
    for (const c of list) {
      // A header given as "" is left out.
      const headers = Object.fromEntries(
        Object.entries({
          "content-type": "application/json",
          authorization: `Bearer ${key}`,
          ...c.headers,
        }).filter(([, value]) => value !== ""),
      );
      const init: RequestInit & { duplex?: "half" } = { method: c.method ?? "POST", headers };
      if (c.body !== undefined) {
        init.body =
          headers["transfer-encoding"] === "chunked" ? new Blob([c.body]).stream() : c.body;
        if (headers["transfer-encoding"] === "chunked") {
          headers["transfer-encoding"] = "";
          init.headers = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== ""));
          init.duplex = "half";
        }
      }
      const response = await fetch(`${server.url}${c.path ?? LOGINS}`, init);
      const text = await response.text();
      const got: Record<string, unknown> = { name: c.name, status: response.status };
      const want: Record<string, unknown> = { name: c.name, status: c.status };
      if (c.error !== undefined) {
        const body = JSON.parse(text) as { error?: string; message?: string };
        got.error = body.error;
        want.error = c.error;
        if (c.message !== undefined) {
          got.message = body.message;
          want.message = c.message;
        }
      }
      expect(got).toEqual(want);
      expect(response.status).toBeLessThan(500);
    }
    const logins = b.snapshot().logins as { ok: number }[];
    expect(logins.filter((l) => l.ok)).toEqual([]);
  });
});
