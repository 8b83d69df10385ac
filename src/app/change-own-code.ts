/**
 * "Change my code": an attendee proves their current code and chooses a new one, typed twice.
 * The current code is verified as a sign-in is (`verifyLogin`, source `page`): a wrong one or an
 * unknown email is one failed login toward the lockout, with the same answer for both. The new
 * code follows the organizer-code rule, and a weak one gets the same refusal as one another
 * attendee has, so the refusal does not tell which. No HTTP here, and no code in anything
 * returned or recorded.
 */
import { weakCodeProblem } from "../domain/code-strength.js";
import { normalizeCode } from "../domain/codes.js";
import { isValidEmail, normalizeEmail } from "../domain/email.js";
import { isDomainError } from "../domain/errors.js";
import { chosenCodeContext, setOwnCode } from "../domain/reset.js";
import type { EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";
import type { HashParams } from "../vault/hash.js";
import { proveCode } from "./sign-in.js";

export interface ChangeOwnCodeDeps {
  ws: Workspace;
  now: () => Date;
  /** The parameters codes are hashed with (and the decoy an unknown email is verified against). */
  hashParams: HashParams;
}

export interface ChangeOwnCodeInput {
  email: string;
  /** The code they have now. */
  current: string;
  /** The new code, and the same again. */
  code: string;
  repeat: string;
}

export type ChangeOwnCodeResult =
  | { ok: true }
  /** Not an email address at all: refused before anything is recorded. */
  | { ok: false; outcome: "invalid-email" }
  /** The two entries of the new code differ: nothing verified, nothing recorded. */
  | { ok: false; outcome: "mismatch" }
  /** The new code is the current one typed again. */
  | { ok: false; outcome: "same-code" }
  /** A wrong current code or an unknown email (a failed login): one answer for both. */
  | { ok: false; outcome: "invalid-credentials" }
  | { ok: false; outcome: "locked"; retryAt: string }
  /** Weak, or another attendee's: the one refusal for both, saying only the rule. */
  | { ok: false; outcome: "refused" };

const ACTOR = "attendee (change my code page)";

export async function changeOwnCode(
  deps: ChangeOwnCodeDeps,
  event: EventRow,
  input: ChangeOwnCodeInput,
): Promise<ChangeOwnCodeResult> {
  const email = normalizeEmail(input.email);
  if (!isValidEmail(email)) return { ok: false, outcome: "invalid-email" };
  // What the form alone tells: checked before any verification, so it costs no login row.
  if (normalizeCode(input.code) !== normalizeCode(input.repeat)) {
    return { ok: false, outcome: "mismatch" };
  }
  if (normalizeCode(input.code) === normalizeCode(input.current)) {
    return { ok: false, outcome: "same-code" };
  }
  // The rule alone, before the workspace is asked whether another attendee has it (below).
  if (weakCodeProblem(input.code, chosenCodeContext(event, email))) {
    return { ok: false, outcome: "refused" };
  }
  const now = deps.now();
  const proved = await proveCode(deps, event, email, input.current, now, "page");
  if (!proved.ok) return proved;
  const attendee = proved.attendee;
  try {
    const changed = await setOwnCode(deps.ws, event, attendee, input.code, {
      hashParams: deps.hashParams,
      who: { actor: ACTOR, at: now.toISOString() },
    });
    // Changed by the organizer since it was proved: the code typed is no longer theirs.
    return changed ? { ok: true } : { ok: false, outcome: "invalid-credentials" };
  } catch (error) {
    if (isDomainError(error, "weak-code", "code-taken")) return { ok: false, outcome: "refused" };
    if (isDomainError(error, "same-code")) return { ok: false, outcome: "same-code" };
    throw error;
  }
}
