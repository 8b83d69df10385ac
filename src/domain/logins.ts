/**
 * Verifying a code as the venue's login would. Every attempt is recorded (the usage metrics).
 * Five failures for one email within 15 minutes lock that email until the window passes, and an
 * unknown email costs one argon2 verification like a known one, so neither the answer nor its
 * timing tells which emails are registered.
 */
import { randomBytes } from "node:crypto";
import { and, asc, eq, gt, ne } from "drizzle-orm";
import { logins, type EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";
import { hashCode, hashParamsFrom, verifyCode } from "../vault/hash.js";
import { normalizeCode } from "./codes.js";
import { normalizeEmail } from "./email.js";
import { findAttendee } from "./attendees.js";

export const LOCKOUT_FAILURES = 5;
export const LOCKOUT_WINDOW_MS = 15 * 60 * 1000;

export type VerifyResult =
  | { ok: true }
  | { ok: false; outcome: "wrong" }
  | { ok: false; outcome: "locked"; retryAt: string };

export async function verifyLogin(
  ws: Workspace,
  event: EventRow,
  rawEmail: string,
  rawCode: string,
  now: Date,
  env: NodeJS.ProcessEnv,
): Promise<VerifyResult> {
  const email = normalizeEmail(rawEmail);
  const at = now.toISOString();
  const attendee = findAttendee(ws, event, email);
  const record = (ok: boolean, outcome: string) =>
    ws.db
      .insert(logins)
      .values({ eventId: event.id, attendeeId: attendee?.id ?? null, email, ok, outcome, at })
      .run();

  const since = new Date(now.getTime() - LOCKOUT_WINDOW_MS).toISOString();
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
  if (failures.length >= LOCKOUT_FAILURES) {
    record(false, "locked");
    const oldest = failures[failures.length - LOCKOUT_FAILURES]?.at ?? at;
    return {
      ok: false,
      outcome: "locked",
      retryAt: new Date(Date.parse(oldest) + LOCKOUT_WINDOW_MS).toISOString(),
    };
  }

  const phc = attendee?.codeHash ?? (await decoyHash(ws, env));
  const matches = await verifyCode(phc, normalizeCode(rawCode));
  const ok = matches && attendee !== undefined;
  record(ok, ok ? "ok" : attendee ? "wrong-code" : "unknown-email");
  return ok ? { ok: true } : { ok: false, outcome: "wrong" };
}

/** A hash of a random code nobody knows, with the workspace's parameters, verified for unknown emails. */
export async function decoyHash(ws: Workspace, env: NodeJS.ProcessEnv): Promise<string> {
  const stored = ws.getMeta("decoy_hash");
  if (stored) return stored;
  const phc = await hashCode(randomBytes(16).toString("hex"), hashParamsFrom(env));
  ws.setMeta("decoy_hash", phc);
  return phc;
}
