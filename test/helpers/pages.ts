/**
 * The attendee pages' tests share one set-up: the event "Summit <2026> & Co" (slug `summit`, a
 * name that must be escaped) with the sample attendees, served by a real listening server; and
 * what they read back from a page (its form's proof, its message, its headers).
 */
import { expect } from "vitest";
import { getPage, startServer, type PageAnswer, type RunningServer } from "./server.js";
import { SAMPLE_CSV, type TestBench } from "./workspace.js";

export interface SummitOptions {
  pagePostsPerMinute?: number;
  /** Run after the import, before the server starts (e.g. to write workspace templates). */
  before?: (b: TestBench) => void;
}

/** The `summit` event with the sample attendees imported, and `serve` on it. */
export async function serveSummit(
  b: TestBench,
  eventArgs: string[] = [],
  options: SummitOptions = {},
): Promise<RunningServer> {
  b.file("attendees.csv", SAMPLE_CSV);
  const created = await b.run([
    "event",
    "create",
    "Summit <2026> & Co",
    "--slug",
    "summit",
    ...eventArgs,
  ]);
  expect(created.code, created.stderr).toBe(0);
  expect((await b.run(["import", "attendees.csv", "--event", "summit", "--yes"])).code).toBe(0);
  options.before?.(b);
  return startServer(b, options);
}

/** A page's form as a browser first gets it: the proof and the cookie it is for. */
export async function pageForm(
  url: string,
  path: string,
): Promise<{ csrf: string; cookie: string }> {
  const page = await getPage(url, path);
  expect(page.status).toBe(200);
  expect(page.csrf).toBeDefined();
  expect(page.cookie).toBeDefined();
  return { csrf: page.csrf ?? "", cookie: page.cookie ?? "" };
}

/** The message a page shows in its alert, if any. */
export function pageMessage(page: PageAnswer): string | undefined {
  return /<p class="message" role="alert">([^<]*)<\/p>/.exec(page.html)?.[1];
}

/** The headers every page answer carries (SPEC: no-store, a CSP without inline script, …). */
export function expectPageSecurityHeaders(page: PageAnswer): void {
  expect(page.headers.get("cache-control")).toBe("no-store");
  expect(page.headers.get("referrer-policy")).toBe("no-referrer");
  const csp = page.headers.get("content-security-policy") ?? "";
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("form-action 'self'");
  expect(csp).not.toContain("unsafe-inline");
}
