/**
 * The sign-in page in a real browser (Debian's chromium, headless): typed into, submitted without
 * any script of ours, and landing on the venue's page with the token in `location.hash`.
 */
import { existsSync, mkdtempSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../helpers/server.js";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";
import { benchPerTest, SAMPLE_CSV } from "../helpers/workspace.js";

const CHROMIUM = "/usr/bin/chromium";
const missing = !existsSync(CHROMIUM) && process.env.CI !== "true";
if (missing) {
  console.warn(
    `skipping the browser tests: ${CHROMIUM} is missing (apt-get install chromium; in CI they run)`,
  );
}

const bench = benchPerTest();
let server: RunningServer | undefined;
let venue: Server | undefined;
let browser: Browser | undefined;
let smtp: TestSmtp | undefined;
afterEach(async () => {
  await browser?.close();
  await server?.close();
  await smtp?.close();
  smtp = undefined;
  const open = venue;
  if (open) await new Promise((resolve) => open.close(resolve));
  browser = server = venue = undefined;
});

/** The venue's page: anything will do, the token is in the fragment, which no server sees. */
async function startVenue(): Promise<string> {
  venue = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html" }).end("<h1>Venue</h1>");
  });
  await new Promise<void>((resolve) => venue?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(venue.address() as AddressInfo).port}`;
}

/** A page in headless chromium as a phone shows it: 390 px wide, JavaScript off. */
async function phonePage(): Promise<Page> {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    javaScriptEnabled: false,
  });
  return context.newPage();
}

describe.skipIf(missing)("the sign-in page in chromium", () => {
  it("signs in to the venue URL with #token=JWT, fits 390 px wide, and says a wrong code", async () => {
    const b = bench();
    const venueUrl = await startVenue();
    b.file("attendees.csv", SAMPLE_CSV);
    const created = await b.run([
      "event",
      "create",
      "Summit 2026",
      "--venue-url",
      `${venueUrl}/app`,
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect((await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"])).code).toBe(
      0,
    );
    server = await startServer(b);
    const url = server.url;
    const page = await phonePage();
    const blocked: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
    });

    await page.goto(`${url}/e/summit-2026`);
    expect(await page.locator("h1").textContent()).toBe("Summit 2026");
    // The stylesheet applied (CSP allows it): the form fits the phone's width.
    const width = (await page.locator("form").boundingBox())?.width ?? 0;
    expect(width).toBeGreaterThan(300);
    expect(width).toBeLessThanOrEqual(390);
    const scrollWidth = Number(await page.evaluate("document.documentElement.scrollWidth"));
    expect(scrollWidth).toBeLessThanOrEqual(390);
    const shots = mkdtempSync(join(tmpdir(), "evcred-shot-"));
    const shot = join(shots, "sign-in-390.png");
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(1000);

    // A wrong code first: the form again, with the message.
    await page.fill("#email", "ada@example.com");
    await page.fill("#code", "WRONGCODE1");
    await page.click("button[type=submit]");
    expect(await page.locator(".message").textContent()).toContain(
      "The email address or the code is not right",
    );
    expect(await page.inputValue("#email")).toBe("ada@example.com");

    await page.fill("#code", await b.codeOf("ada@example.com", "summit-2026"));
    await Promise.all([page.waitForURL(`${venueUrl}/app#token=*`), page.click("button")]);
    const hash = String(await page.evaluate("location.hash"));
    const token = /^#token=(.+)$/.exec(hash)?.[1] ?? "";
    const jwks = createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(token, jwks, { issuer: url, audience: "summit-2026" });
    expect(payload.profile).toMatchObject({ display_name: "Ada Lovelace" });
    expect(blocked).toEqual([]);
  }, 60_000);

  it("forgot my code: from the sign-in page's link, the message arrives and its code signs in", async () => {
    const b = bench();
    b.file("attendees.csv", SAMPLE_CSV);
    const created = await b.run([
      "event",
      "create",
      "Summit 2026",
      "--from",
      "Team <team@example.com>",
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect((await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"])).code).toBe(
      0,
    );
    const linked = await b.run([
      "template",
      "link",
      "resend",
      "credentials",
      "--event",
      "summit-2026",
    ]);
    expect(linked.code, linked.stderr).toBe(0);
    smtp = await startSmtp();
    server = await startServer(b, { smtpUrl: smtp.url });
    const url = server.url;
    const page = await phonePage();
    await page.goto(`${url}/e/summit-2026`);
    await Promise.all([
      page.waitForURL(`${url}/e/summit-2026/forgot`),
      page.click("a[href$='/forgot']"),
    ]);
    await page.fill("#email", "grace@example.com");
    await page.click("button[type=submit]");
    expect(await page.locator(".message").textContent()).toContain(
      "If this address is registered, the credentials are on their way.",
    );
    await server.drainMail();
    expect(smtp.received.map((m) => m.to)).toEqual(["grace@example.com"]);
    const code = /Access code:\s+(\S+)/.exec(smtp.received[0]?.parsed.text ?? "")?.[1] ?? "";
    expect(code).not.toBe("");

    await page.click("a[href='/e/summit-2026']");
    await page.fill("#email", "grace@example.com");
    await page.fill("#code", code);
    await page.click("button[type=submit]");
    expect(await page.locator(".message").textContent()).toContain("You are signed in");
  }, 60_000);

  it("change my code: from the sign-in page's link, fits 390 px wide; then the old code is refused and the new one signs in", async () => {
    const b = bench();
    b.file("attendees.csv", SAMPLE_CSV);
    const created = await b.run(["event", "create", "Summit 2026"]);
    expect(created.code, created.stderr).toBe(0);
    expect((await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"])).code).toBe(
      0,
    );
    const old = await b.codeOf("ada@example.com", "summit-2026");
    server = await startServer(b);
    const url = server.url;
    const page = await phonePage();
    const blocked: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
    });
    await page.goto(`${url}/e/summit-2026`);
    await Promise.all([
      page.waitForURL(`${url}/e/summit-2026/code`),
      page.click("a[href$='/code']"),
    ]);
    expect(await page.locator("h1").textContent()).toBe("Summit 2026");

    // Two entries that differ first: the form again with its message, the email kept, no code.
    await page.fill("#email", "ada@example.com");
    await page.fill("#current", old);
    await page.fill("#code", "ZQWX-7HVB-23");
    await page.fill("#repeat", "ZQWX-7HVB-24");
    await page.click("button[type=submit]");
    expect(await page.locator(".message").textContent()).toContain(
      "The two new codes are not the same.",
    );
    expect(await page.inputValue("#email")).toBe("ada@example.com");
    for (const field of ["#current", "#code", "#repeat"]) {
      expect(await page.inputValue(field)).toBe("");
    }
    // On a phone: the form fits, nothing scrolls sideways.
    const width = (await page.locator("form").boundingBox())?.width ?? 0;
    expect(width).toBeGreaterThan(300);
    expect(width).toBeLessThanOrEqual(390);
    expect(Number(await page.evaluate("document.documentElement.scrollWidth"))).toBeLessThanOrEqual(
      390,
    );
    const shots = mkdtempSync(join(tmpdir(), "evcred-shot-"));
    const shot = join(shots, "change-code-390.png");
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(1000);

    await page.fill("#current", old);
    await page.fill("#code", "zqwx 7hvb 23");
    await page.fill("#repeat", "ZQWX-7HVB-23");
    await page.click("button[type=submit]");
    expect(await page.locator(".message").textContent()).toBe("Your code has been changed.");
    await page.screenshot({ path: join(shots, "code-changed-390.png"), fullPage: true });

    await Promise.all([page.waitForURL(`${url}/e/summit-2026`), page.click("a.button")]);
    await page.fill("#email", "ada@example.com");
    await page.fill("#code", old);
    await page.click("button[type=submit]");
    expect(await page.locator(".message").textContent()).toContain(
      "The email address or the code is not right",
    );
    await page.fill("#code", "ZQWX7HVB23");
    await page.click("button[type=submit]");
    expect(await page.locator(".message").textContent()).toContain("You are signed in");
    expect(blocked).toEqual([]);
  }, 60_000);
});
