/**
 * Verifying a code as the venue's login would. Every attempt is recorded (the usage metrics).
 * Five failures for one email within 15 minutes lock that email until the window passes, and an
 * unknown email costs one argon2 verification like a known one, so neither the answer nor its
 * timing tells which emails are registered. Hashes are keyed (see `Vault.verifyCode`), so this
 * needs the master key; a hash made before they were keyed is replaced at its first success.
 *
 * The lock is counted from the login rows, so it holds across processes; lifting it early
 * (`unlock`, a new code, a corrected email) records the last login id in the attendee's
 * `lockClearedAfter` (`clearedLockMark`), and the failures up to it stop counting.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { DomainError } from "./errors.js";
import type { FailureRow, LoginSource } from "../store/queries/logins.js";
import type { EventRow } from "../store/schema.js";
import type { Queries } from "../store/store.js";
import { queriesOf, type Workspace } from "../store/workspace.js";
import type { HashParams } from "../vault/hash.js";
import { hashHasParams } from "../vault/hash.js";
import { codeOwner, DECOY_OWNER, Vault } from "../vault/vault.js";
import { recordAudit } from "./audit.js";
import { findAttendee, requireAttendee } from "./attendees.js";
import { normalizeCode } from "./codes.js";
import { isValidEmail, normalizeEmail } from "./email.js";
import type { Who } from "./events.js";
import { lockEndInZone } from "./time.js";

export const LOCKOUT_FAILURES = 5;
export const LOCKOUT_WINDOW_MS = 15 * 60 * 1000;
/**
 * An attempt still `pending` after this long was cut off (its process killed mid-verification).
 * It stops counting, and stops holding other attempts back: it was never answered, so it told
 * nobody anything. (A verification takes well under a second even with the server saturated.)
 */
const PENDING_CUT_OFF_MS = 10 * 1000;
/** How often an attempt held back by others in flight looks again. */
const IN_FLIGHT_POLL_MS = 10;

/** Where an attempt came from: the venue's API, the attendee pages, `evcred verify`. */
export type { LoginSource } from "../store/queries/logins.js";

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
  const email = assertLoginEmail(rawEmail);
  // Loaded first: a workspace's first key load binds its older seals, so the row read next is
  // as the vault checks it.
  const vault = await ws.vault();
  const attendee = await findAttendee(ws, event, email);
  const decoy = attendee ? undefined : await ensureDecoyHash(ws, decoyParams);

  const attempt = await reserveAttempt(ws, event, attendee?.id ?? null, email, now, source);
  if (attempt.locked)
    return { ok: false, outcome: "locked", retryAt: attempt.retryAt.toISOString() };

  const code = normalizeCode(rawCode);
  const verdict = attendee
    ? await vault.verifyCode(attendee.codeHash, code, codeOwner(attendee), attendee.codeSealed)
    : await vault.verifyCode(decoy ?? "", code, DECOY_OWNER);
  const ok = verdict !== "wrong" && attendee !== undefined;
  if (attendee && verdict === "ok-legacy") {
    // Replaced only if the code did not change meanwhile (a reset writes its own keyed hash).
    const keyed = vault.bindHash(await vault.hashCode(code, decoyParams), codeOwner(attendee));
    await ws.store.attendees.replaceHash(attendee.id, attendee.codeHash, keyed);
  }
  await ws.store.logins.settleAttempt(
    attempt.id,
    ok,
    ok ? "ok" : attendee ? "wrong-code" : "unknown-email",
  );
  return ok ? { ok: true } : { ok: false, outcome: "wrong" };
}

interface Attempt {
  id: number;
  locked: boolean;
  retryAt: Date;
}

/**
 * Records the attempt as `pending`, or as `locked` when five failures already count. The count
 * and the insert are one transaction, so attempts in parallel (in any process) cannot slip past
 * the lockout. An attempt still in flight may turn out a failure, so while failures and those in
 * flight together reach the limit, a new attempt waits for them to settle rather than being
 * refused: a wrong guess never gets a sixth verification, and a right code is never locked out
 * by its own parallel requests.
 */
async function reserveAttempt(
  ws: Workspace,
  event: EventRow,
  attendeeId: number | null,
  email: string,
  now: Date,
  source: LoginSource,
): Promise<Attempt> {
  const started = performance.now();
  for (;;) {
    // The clock given stands still while this waits (a test's may): the cut-off moves on.
    const waited = new Date(now.getTime() + (performance.now() - started));
    const attempt = await ws.transaction(async (tx): Promise<Attempt | "wait"> => {
      await tx.logins.holdEmail(event.id, email);
      const rows = await recentFailures(tx, event, now, email);
      const settled = settledFailures(rows);
      const locked = settled.length >= LOCKOUT_FAILURES;
      if (!locked && settled.length + inFlight(rows, waited) >= LOCKOUT_FAILURES) return "wait";
      const id = await tx.logins.insertAttempt({
        eventId: event.id,
        attendeeId,
        email,
        outcome: locked ? "locked" : "pending",
        source,
        at: now.toISOString(),
      });
      return { id, locked, retryAt: new Date(lockEnd(settled) ?? now.getTime()) };
    });
    if (attempt !== "wait") return attempt;
    await sleep(IN_FLIGHT_POLL_MS);
  }
}

/**
 * The failures that count toward a lock at `now` (times, oldest first): the settled ones, not
 * those still in flight nor those cut off (see `PENDING_CUT_OFF_MS`).
 */
function settledFailures(rows: readonly FailureRow[]): string[] {
  return rows.filter((r) => r.outcome !== "pending").map((r) => r.at);
}

/** The attempts that may still turn out failures: `pending`, and not yet cut off at `now`. */
function inFlight(rows: readonly FailureRow[], now: Date): number {
  const cutOff = new Date(now.getTime() - PENDING_CUT_OFF_MS).toISOString();
  return rows.filter((r) => r.outcome === "pending" && r.at >= cutOff).length;
}

/**
 * The email a login is for, normalized; refused before anything is recorded or echoed (and
 * before a code is asked for), so a code typed in the email's place stays unseen.
 */
export function assertLoginEmail(rawEmail: string): string {
  const email = normalizeEmail(rawEmail);
  if (!isValidEmail(email)) throw new DomainError({ code: "invalid-email" });
  return email;
}

/**
 * A keyed hash of a random code nobody knows, verified for unknown emails so they cost what a
 * known one does. Made once, by the first import, with the parameters the codes are hashed with;
 * one made before hashes were keyed is made again (a keyed verification costs the same, but the
 * decoy must take the same path as a known attendee's hash).
 */
export async function ensureDecoyHash(ws: Workspace, params: HashParams): Promise<string> {
  const stored = await ws.getMeta("decoy_hash");
  // Made again when the parameters change: a cheaper decoy would tell unknown emails apart.
  if (stored && Vault.isKeyedHash(stored) && hashHasParams(stored, params)) return stored;
  const vault = await ws.vault();
  const phc = vault.bindHash(
    await vault.hashCode(randomBytes(16).toString("hex"), params),
    DECOY_OWNER,
  );
  await ws.setMeta("decoy_hash", phc);
  return phc;
}

/**
 * The failed attempts that count toward `event`'s lockouts at `now` (of one email, or of all),
 * oldest first: inside the window, after the attendee's lock was last cleared, not themselves
 * refused as locked. `pending` ones (argon2 still working) are included; `settledFailures`
 * says which count.
 */
function recentFailures(
  q: Queries,
  event: EventRow,
  now: Date,
  email?: string,
): Promise<FailureRow[]> {
  const since = new Date(now.getTime() - LOCKOUT_WINDOW_MS).toISOString();
  return q.logins.failures(event.id, since, email);
}

/** When a lock made of these failures (oldest first) ends: as the fifth newest leaves the window. */
function lockEnd(failures: readonly string[]): number | undefined {
  const oldest = failures[failures.length - LOCKOUT_FAILURES];
  return oldest === undefined ? undefined : Date.parse(oldest) + LOCKOUT_WINDOW_MS;
}

/** Every email of `event` locked at `now`, with when its lock ends (ISO UTC). */
export async function lockedEmails(
  q: Queries | Workspace,
  event: EventRow,
  now: Date,
): Promise<Map<string, string>> {
  const byEmail = new Map<string, FailureRow[]>();
  for (const f of await recentFailures(queriesOf(q), event, now)) {
    const list = byEmail.get(f.email) ?? [];
    list.push(f);
    byEmail.set(f.email, list);
  }
  const locked = new Map<string, string>();
  for (const [email, rows] of byEmail) {
    const end = lockEnd(settledFailures(rows));
    if (end !== undefined) locked.set(email, new Date(end).toISOString());
  }
  return locked;
}

/** When the lock on `email` ends (ISO UTC), or null if it is not locked at `now`. */
export async function lockedUntil(
  q: Queries | Workspace,
  event: EventRow,
  email: string,
  now: Date,
): Promise<string | null> {
  const rows = await recentFailures(queriesOf(q), event, now, normalizeEmail(email));
  const end = lockEnd(settledFailures(rows));
  return end === undefined ? null : new Date(end).toISOString();
}

export interface UnlockResult {
  email: string;
  /** When the lock lifted would have ended; null if there was none (nothing changed). */
  wasLockedUntil: string | null;
}

/**
 * Lifts the attendee's verification lock now: their earlier failures stop counting, in every
 * process. Audited. An attendee who is not locked is left as they are.
 */
export function unlockAttendee(
  ws: Workspace,
  event: EventRow,
  email: string,
  who: Who,
): Promise<UnlockResult> {
  return ws.transaction(async (tx) => {
    const row = await requireAttendee(tx, event, email);
    const until = await lockedUntil(tx, event, row.email, new Date(who.at));
    if (until === null) return { email: row.email, wasLockedUntil: null };
    await tx.attendees.clearLock(row.id, who.at);
    await recordAudit(tx, {
      ...who,
      action: "attendee.unlock",
      eventId: event.id,
      attendeeId: row.id,
      email: row.email,
      summary: `verification lock lifted (it would have held until ${lockEndInZone(until, event.timezone)})`,
    });
    return { email: row.email, wasLockedUntil: until };
  });
}
