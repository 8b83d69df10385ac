/**
 * Forgot my code (`/e/{slug}/forgot`) against a real listening server, a real SQLite file and a
 * real SMTP server: the one answer, the message and its code, the hour's limit, the refusals.
 */
import { afterEach, describe, expect, it } from "vitest";
import { getPage, postForm, startServer, type RunningServer } from "../helpers/server.js";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();
let server: RunningServer | undefined;
let smtp: TestSmtp | undefined;
afterEach(async () => {
  await server?.close();
  await smtp?.close();
  server = undefined;
  smtp = undefined;
});

async function setup(options: { link?: boolean; smtpUrl?: string } = {}) {
  const b = bench();
  b.file("attendees.csv", SAMPLE_CSV);
  const created = await b.run([
    "event",
    "create",
    "Summit 2026",
    "--slug",
    "summit",
    "--from",
    "Team <team@example.com>",
  ]);
  expect(created.code, created.stderr).toBe(0);
  expect((await b.run(["import", "attendees.csv", "--event", "summit", "--yes"])).code).toBe(0);
  if (options.link ?? true) {
    const linked = await b.run(["template", "link", "resend", "credentials", "--event", "summit"]);
    expect(linked.code, linked.stderr).toBe(0);
  }
  smtp = await startSmtp();
  server = await startServer(b, { smtpUrl: options.smtpUrl ?? smtp.url });
  return { b, url: server.url, smtp, server };
}

async function form(url: string): Promise<{ csrf: string; cookie: string }> {
  const page = await getPage(url, "/e/summit/forgot");
  expect(page.status).toBe(200);
  return { csrf: page.csrf ?? "", cookie: page.cookie ?? "" };
}

async function forgot(url: string, email: string) {
  const { csrf, cookie } = await form(url);
  return postForm(url, "/e/summit/forgot", { csrf, email }, { cookie });
}

async function selfServiceRows(b: TestBench) {
  return ((await b.snapshot()).deliveries as { purpose: string; status: string }[]).filter(
    (d) => d.purpose === "self-service",
  );
}

const ON_ITS_WAY = "If this address is registered, the credentials are on their way.";

describe("forgot my code", () => {
  it("a registered address: the one answer, the message arrives, and its code signs in", async () => {
    const { b, url, smtp, server } = await setup();
    const page = await getPage(url, "/e/summit/forgot");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'none'");
    expect(page.html).toContain('name="email" type="email"');
    expect(page.html).not.toMatch(/<script|style=/);
    const answer = await forgot(url, " Ada@Example.com ");
    expect(answer.status).toBe(200);
    expect(answer.html).toContain(ON_ITS_WAY);
    await server.drainMail();
    expect(smtp.received.map((m) => m.to)).toEqual(["ada@example.com"]);
    const text = smtp.received[0]?.parsed.text ?? "";
    const code = /Access code:\s+(\S+)/.exec(text)?.[1] ?? "";
    expect(code.replace(/-/g, "")).toBe(await b.codeOf("ada@example.com", "summit"));
    // The message points at this service's pages.
    expect(text).toContain(`${url}/e/summit/forgot`);
    expect(await selfServiceRows(b)).toEqual([expect.objectContaining({ status: "sent" })]);
    const signIn = await getPage(url, "/e/summit");
    const login = await postForm(
      url,
      "/e/summit/login",
      { csrf: signIn.csrf ?? "", email: "ada@example.com", code },
      { cookie: signIn.cookie ?? "" },
    );
    expect(login.status).toBe(200);
    expect(login.html).toContain("You are signed in");
    // No code in any answer or in the server's log.
    const bare = code.replace(/-/g, "");
    expect(answer.html).not.toContain(bare);
    expect(server.log.join("")).not.toContain(bare);
    expect(server.log.join("")).not.toContain(code);
  });

  it("an unknown address: the same status and body, no message", async () => {
    const { b, url, smtp, server } = await setup();
    const known = await forgot(url, "ada@example.com");
    const unknown = await forgot(url, "nobody@example.com");
    await server.drainMail();
    expect(unknown.status).toBe(known.status);
    expect(unknown.html).toBe(known.html);
    expect(smtp.received.map((m) => m.to)).toEqual(["ada@example.com"]);
    expect(await selfServiceRows(b)).toHaveLength(1);
  });

  it("a 4th request within the hour: the same page, no message", async () => {
    const { url, smtp, server } = await setup();
    const answers = [];
    for (let i = 0; i < 4; i++) {
      answers.push(await forgot(url, "grace@example.com"));
      await server.drainMail();
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(answers.map((a) => a.html)).size).toBe(1);
    expect(smtp.received).toHaveLength(3);
  });

  it("no template linked to resend: the page says the event has not enabled it, no message", async () => {
    const { url, smtp, server } = await setup({ link: false });
    const page = await getPage(url, "/e/summit/forgot");
    expect(page.status).toBe(200);
    expect(page.html).toContain("This event has not enabled getting your credentials again here.");
    expect(page.html).not.toContain("<form");
    const signIn = await getPage(url, "/e/summit");
    const answer = await postForm(
      url,
      "/e/summit/forgot",
      { csrf: signIn.csrf ?? "", email: "ada@example.com" },
      { cookie: signIn.cookie ?? "" },
    );
    await server.drainMail();
    expect(answer.status).toBe(200);
    expect(answer.html).toContain("has not enabled");
    expect(smtp.received).toHaveLength(0);
  });

  it("a dead SMTP server: the same page, nothing marked sent, the delivery failed and visible", async () => {
    const dead = await startSmtp();
    const deadUrl = dead.url;
    await dead.close();
    const { b, url, server } = await setup({ smtpUrl: deadUrl });
    const answer = await forgot(url, "ada@example.com");
    expect(answer.status).toBe(200);
    expect(answer.html).toContain(ON_ITS_WAY);
    await server.drainMail();
    expect(await selfServiceRows(b)).toEqual([expect.objectContaining({ status: "failed" })]);
    expect(server.log.join("")).toMatch(/forgot: credentials for summit \(delivery \d+\) not sent/);
  });

  it("refusals: exact status, no message, never a 5xx", async () => {
    const { b, url, smtp, server } = await setup();
    const { csrf, cookie } = await form(url);
    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${url}/e/summit/forgot`, { method: "POST", headers, body, redirect: "manual" });
    const formType = { "content-type": "application/x-www-form-urlencoded", cookie };
    const good = new URLSearchParams({ csrf, email: "ada@example.com" }).toString();
    const cases: [string, string, Record<string, string>, number][] = [
      ["no CSRF proof", "email=ada%40example.com", formType, 403],
      ["a stale proof", "csrf=x&email=ada%40example.com", formType, 403],
      ["no cookie", good, { "content-type": "application/x-www-form-urlencoded" }, 403],
      ["cross-site", good, { ...formType, "sec-fetch-site": "cross-site" }, 403],
      ["cross-site Origin", good, { ...formType, origin: "https://evil.example" }, 403],
      [
        "JSON",
        JSON.stringify({ csrf, email: "ada@example.com" }),
        { ...formType, "content-type": "application/json" },
        415,
      ],
      ["missing email", new URLSearchParams({ csrf }).toString(), formType, 400],
      ["not an email", new URLSearchParams({ csrf, email: "ada" }).toString(), formType, 400],
      ["20 KB body", `${good}&pad=${"x".repeat(20 * 1024)}`, formType, 413],
    ];
    for (const [name, body, headers, status] of cases) {
      const response = await post(body, headers);
      expect(response.status, name).toBe(status);
      expect(await response.text(), name).toContain("<html");
    }
    expect((await getPage(url, "/e/nope/forgot")).status).toBe(404);
    await server.drainMail();
    expect(smtp.received).toHaveLength(0);
    expect(await selfServiceRows(b)).toHaveLength(0);
  });
});
