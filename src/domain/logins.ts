/**
 * Verifying a code as the venue's login would. Every attempt is recorded (the usage metrics).
 * Five failures for one email within 15 minutes lock that email until the window passes, and an
 * unknown email costs one argon2 verification like a known one, so neither the answer nor its
 * timing tells which emails are registered.
 */
import { randomBytes } from "node:crypto";
import { and, asc, eq, gt, ne } from "drizzle-orm";
import { UsageError } from "../errors.js";
import { logins, type EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";
import { hashCode, verifyCode, type HashParams } from "../vault/hash.js";
import { findAttendee } from "./attendees.js";
import { normalizeCode } from "./codes.js";
import { isValidEmail, normalizeEmail } from "./email.js";

export const LOCKOUT_FAILURES = 5;
export const LOCKOUT_WINDOW_MS = 15 * 60 * 1000;

/** Where an attempt came from: the venue's API, the attendee pages, `evcred verify`. */
export type LoginSource = "api" | "page" | "cli";

export type VerifyResult =
  | { ok: true }
  | { ok: false; outcome: "wrong" }
  | { ok: false; outcome: "locked"; retryAt: string };

/**
 * Checks `rawCode` for `rawEmail`. The attempt is written (as pending) in the same transaction
 * that counts the recent failures, so guesses run in parallel cannot slip past the lockout; its
 * outcome is filled in once argon2 has answered.
 */
export async function verifyLogin(
  ws: Workspace,
  event: EventRow,
  rawEmail: string,
  rawCode: string,
  now: Date,
  decoyParams: HashParams,
  source: LoginSource = "cli",
): Promise<VerifyResult> {
  const email = normalizeEmail(rawEmail);
  // Refused before anything is recorded or echoed: a code typed in the email's place stays unseen.
  if (!isValidEmail(email)) throw new UsageError("EMAIL: that is not an email address");
  const at = now.toISOString();
  const since = new Date(now.getTime() - LOCKOUT_WINDOW_MS).toISOString();
  const attendee = findAttendee(ws, event, email);
  const decoy = attendee ? undefined : await ensureDecoyHash(ws, decoyParams);

  const attempt = ws.transaction(() => {
    const failures = ws.db
      .select({ at: logins.at })
      .from(logins)
      .where(
        and(
          eq(logins.eventId, event.id),
          eq(logins.email, email),
          eq(logins.ok, false),
          ne(logins.outcome, "locked"),
          gt(logins.at, since),
        ),
      )
      .orderBy(asc(logins.at))
      .all();
    const locked = failures.length >= LOCKOUT_FAILURES;
    const row = ws.db
      .insert(logins)
      .values({
        eventId: event.id,
        attendeeId: attendee?.id ?? null,
        email,
        ok: false,
        // Counts as a failure for parallel attempts until argon2 has answered.
        outcome: locked ? "locked" : "pending",
        source,
        at,
      })
      .returning({ id: logins.id })
      .get();
    const oldest = failures[failures.length - LOCKOUT_FAILURES]?.at ?? at;
    return { id: row.id, locked, retryAt: new Date(Date.parse(oldest) + LOCKOUT_WINDOW_MS) };
  });
  if (attempt.locked)
    return { ok: false, outcome: "locked", retryAt: attempt.retryAt.toISOString() };

  const matches = await verifyCode(attendee?.codeHash ?? decoy ?? "", normalizeCode(rawCode));
  const ok = matches && attendee !== undefined;
  ws.db
    .update(logins)
    .set({ ok, outcome: ok ? "ok" : attendee ? "wrong-code" : "unknown-email" })
    .where(eq(logins.id, attempt.id))
    .run();
  return ok ? { ok: true } : { ok: false, outcome: "wrong" };
}

/**
 * A hash of a random code nobody knows, verified for unknown emails so they cost what a known
 * one does. Made once, by the first import, with the parameters the codes are hashed with.
 */
export async function ensureDecoyHash(ws: Workspace, params: HashParams): Promise<string> {
  const stored = ws.getMeta("decoy_hash");
  if (stored) return stored;
  const phc = await hashCode(randomBytes(16).toString("hex"), params);
  ws.setMeta("decoy_hash", phc);
  return phc;
}
