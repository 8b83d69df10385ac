/**
 * What protects the attendee pages, apart from their routes: the security headers every answer
 * carries, a per-address limit on POSTs, the refusal of cross-site POSTs, the signed
 * double-submit CSRF cookie, and the one form body they take (URL-encoded, small).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Workspace } from "../store/workspace.js";
import { newCsrfNonce } from "../vault/venue-keys.js";
import { bodyError, bodyText } from "./body-text.js";

export const CSRF_COOKIE = "evcred_csrf";
export const DEFAULT_POSTS_PER_MINUTE = 30;

/** No inline script or style anywhere; forms post here, or (a redirect) to `formTargets`. */
export function contentSecurityPolicy(formTargets: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'none'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    `form-action 'self'${formTargets.map((t) => ` ${t}`).join("")}`,
    "frame-ancestors 'none'",
  ].join("; ");
}

export function securityHeaders(reply: FastifyReply): void {
  void reply
    .header("cache-control", "no-store")
    .header("content-security-policy", contentSecurityPolicy())
    .header("referrer-policy", "no-referrer")
    .header("x-content-type-options", "nosniff")
    .header("x-frame-options", "DENY");
}

/**
 * `application/x-www-form-urlencoded` in UTF-8 → the first value of each field; nothing else is
 * read. Bytes or escapes that are not UTF-8 are a bad request, not replaced (see body-text.ts).
 */
export function formBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "buffer" },
    (request, body, done) => {
      const read = bodyText(request.headers["content-type"], body as Buffer);
      if (!read.ok) {
        done(bodyError(read.status, read.message), undefined);
        return;
      }
      const fields = formFields(read.text);
      if (!fields) {
        done(bodyError(400, "body: not a valid form"), undefined);
        return;
      }
      done(null, fields);
    },
  );
}

/** Longer than this, an email field is cut (no address is), a code field refused unread. */
export const MAX_EMAIL_FIELD = 320;
export const MAX_CODE_FIELD = 128;

/** A form field as text: what was posted under `name`, or "" when it is missing. */
export function formField(body: Record<string, string>, name: string): string {
  const value = body[name];
  return typeof value === "string" ? value : "";
}

/** The email field of a form, cut to the longest an address can be. */
export function emailField(body: Record<string, string>): string {
  return formField(body, "email").slice(0, MAX_EMAIL_FIELD);
}

/** The fields of a URL-encoded form, or undefined when an escape is not UTF-8. */
export function formFields(text: string): Record<string, string> | undefined {
  const fields = Object.create(null) as Record<string, string>;
  for (const pair of text.split("&")) {
    if (pair === "") continue;
    const at = pair.indexOf("=");
    const [rawKey, rawValue] = at < 0 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1)];
    const key = decodeField(rawKey);
    const value = decodeField(rawValue);
    if (key === undefined || value === undefined) return undefined;
    if (!Object.hasOwn(fields, key)) fields[key] = value;
  }
  return fields;
}

function decodeField(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    return undefined; // a broken escape (`%E0%A4%A`) or one that is not UTF-8 (`%FF`)
  }
}

/** At most `limit` POSTs a minute from one client address (fixed one-minute windows). */
export class PostLimiter {
  readonly #limit: number;
  readonly #now: () => Date;
  #window = 0;
  #counts = new Map<string, number>();

  constructor(limit: number, now: () => Date) {
    this.#limit = limit;
    this.#now = now;
  }

  /** Counts one POST; false when the address is over its limit for this minute. */
  take(address: string): boolean {
    const window = Math.floor(this.#now().getTime() / 60_000);
    if (window !== this.#window) {
      this.#window = window;
      this.#counts = new Map();
    }
    const count = (this.#counts.get(address) ?? 0) + 1;
    this.#counts.set(address, count);
    return count <= this.#limit;
  }
}

/**
 * A POST from another site. A browser that sends `Sec-Fetch-Site` is believed (it is the one
 * signal that survives `Referrer-Policy: no-referrer`, under which a form's `Origin` is `null`);
 * without it, an `Origin` must be this service's (as reached, or as its public URL says).
 */
export function isCrossSite(request: FastifyRequest, publicUrl: string): boolean {
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined) return site !== "same-origin" && site !== "none";
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  const own = new Set([`${request.protocol}://${request.host}`]);
  try {
    if (publicUrl) own.add(new URL(publicUrl).origin);
  } catch {
    // No public URL to compare with: the address reached is enough.
  }
  return !own.has(origin);
}

/** The browser's CSRF cookie, when it holds one that could be ours. */
export function csrfCookie(request: FastifyRequest): string | undefined {
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const [name, ...rest] = part.trim().split("=");
    const value = rest.join("=");
    if (name === CSRF_COOKIE && /^[A-Za-z0-9_-]{43}$/.test(value)) return value;
  }
  return undefined;
}

/**
 * The form's CSRF proof for this browser: for its cookie, or for a new one set on the answer.
 */
export async function csrfFor(
  ws: Workspace,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<string> {
  let nonce = csrfCookie(request);
  if (nonce === undefined) {
    nonce = newCsrfNonce();
    const secure = request.protocol === "https" ? "; Secure" : "";
    void reply.header(
      "set-cookie",
      `${CSRF_COOKIE}=${nonce}; Path=/e; HttpOnly; SameSite=Strict${secure}`,
    );
  }
  return (await ws.currentVault()).csrfProof(nonce);
}

/** Whether a POSTed form carries the proof for the browser's cookie. */
export async function validCsrf(
  ws: Workspace,
  request: FastifyRequest,
  proof: unknown,
): Promise<boolean> {
  const nonce = csrfCookie(request);
  if (nonce === undefined || typeof proof !== "string") return false;
  return (await ws.currentVault()).checkCsrf(nonce, proof);
}
