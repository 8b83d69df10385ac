/**
 * Signing in with email and code, for every face that offers it (the venue's API, the attendee
 * pages): the domain's verification and lockout, then a token for the venue. No HTTP here.
 */
import { findAttendee } from "../domain/attendees.js";
import { isValidEmail, normalizeEmail } from "../domain/email.js";
import { verifyLogin, type LoginSource } from "../domain/logins.js";
import type { EventRow } from "../store/schema.js";
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

export async function signIn(
  deps: SignInDeps,
  event: EventRow,
  input: { email: string; code: string; source: LoginSource },
): Promise<SignInResult> {
  const email = normalizeEmail(input.email);
  if (!isValidEmail(email)) return { ok: false, outcome: "invalid-email" };
  const now = deps.now();
  // A key rotated by another process since: its writes would be refused under the old key.
  deps.ws.currentVault();
  const verdict = await verifyLogin(
    deps.ws,
    event,
    email,
    input.code,
    now,
    deps.hashParams,
    input.source,
  );
  if (!verdict.ok) {
    return verdict.outcome === "locked"
      ? { ok: false, outcome: "locked", retryAt: verdict.retryAt }
      : { ok: false, outcome: "invalid-credentials" };
  }
  const attendee = findAttendee(deps.ws, event, email);
  // Removed between the verification and now: as good as unknown.
  if (!attendee) return { ok: false, outcome: "invalid-credentials" };
  const issued = await issueToken(deps.ws, event, attendee, deps.issuer(), now);
  return {
    ok: true,
    attendee: {
      uid: attendeeUid(deps.ws, event, attendee),
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
