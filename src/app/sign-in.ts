/**
 * Signing in with email and code, for every face that offers it (the venue's API, the attendee
 * pages): the domain's verification and lockout, then a token for the venue. No HTTP here.
 */
import { findAttendee } from "../domain/attendees.js";
import { isValidEmail, normalizeEmail } from "../domain/email.js";
import { verifyLogin, type LoginSource } from "../domain/logins.js";
import type { AttendeeRow, EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";
import type { HashParams } from "../vault/hash.js";
import { attendeeUid, fullName, issueToken } from "./tokens.js";

export interface SignInDeps {
  ws: Workspace;
  now: () => Date;
  /** The parameters of the decoy hash an unknown email is verified against. */
  hashParams: HashParams;
  /** The tokens' `iss`: the service's public URL (known once it listens). */
  issuer: () => string;
}

export interface SignedInAttendee {
  uid: string;
  email: string;
  first_name: string;
  last_name: string;
  full_name: string;
  fields: Record<string, string>;
}

export type SignInResult =
  | { ok: true; attendee: SignedInAttendee; token: string; expiresAt: string }
  /** A wrong code or an unknown email: the same answer, at the same cost. */
  | { ok: false; outcome: "invalid-credentials" }
  | { ok: false; outcome: "locked"; retryAt: string }
  /** Not an email address at all: refused before anything is recorded. */
  | { ok: false; outcome: "invalid-email" };

/** An email and code proved, or why not: the failures a sign-in and a code change share. */
export type Proof =
  | { ok: true; attendee: AttendeeRow }
  | { ok: false; outcome: "invalid-credentials" }
  | { ok: false; outcome: "locked"; retryAt: string };

/**
 * Verifies `code` for `email` through the lockout (`verifyLogin`, a login row of `source`) and
 * reads the attendee it proves: a wrong code, an unknown email and an attendee removed since are
 * one answer.
 */
export async function proveCode(
  deps: Pick<SignInDeps, "ws" | "hashParams">,
  event: EventRow,
  email: string,
  code: string,
  now: Date,
  source: LoginSource,
): Promise<Proof> {
  // A key rotated by another process since: its writes would be refused under the old key.
  await deps.ws.currentVault();
  const verdict = await verifyLogin(deps.ws, event, email, code, now, deps.hashParams, source);
  if (!verdict.ok) {
    return verdict.outcome === "locked"
      ? { ok: false, outcome: "locked", retryAt: verdict.retryAt }
      : { ok: false, outcome: "invalid-credentials" };
  }
  const attendee = await findAttendee(deps.ws, event, email);
  // Removed between the verification and now: as good as unknown.
  return attendee ? { ok: true, attendee } : { ok: false, outcome: "invalid-credentials" };
}

export async function signIn(
  deps: SignInDeps,
  event: EventRow,
  input: { email: string; code: string; source: LoginSource },
): Promise<SignInResult> {
  const email = normalizeEmail(input.email);
  if (!isValidEmail(email)) return { ok: false, outcome: "invalid-email" };
  const now = deps.now();
  const proved = await proveCode(deps, event, email, input.code, now, input.source);
  if (!proved.ok) return proved;
  const attendee = proved.attendee;
  const issued = await issueToken(deps.ws, event, attendee, deps.issuer(), now);
  return {
    ok: true,
    attendee: {
      uid: await attendeeUid(deps.ws, event, attendee),
      email: attendee.email,
      first_name: attendee.firstName,
      last_name: attendee.lastName,
      full_name: fullName(attendee),
      fields: JSON.parse(attendee.fields) as Record<string, string>,
    },
    token: issued.token,
    expiresAt: issued.expiresAt,
  };
}
