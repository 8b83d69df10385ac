/**
 * Fixing an attendee by hand: a mistyped email, a name, a custom field. The code stays: a new
 * email keeps it, re-sealed for the new binding inside the same transaction (through the vault).
 * `planAttendeeUpdate` is pure; `updateAttendee` checks and applies it, audited with the old and
 * new values (an attendee's data, never a code).
 */
import { DomainError } from "./errors.js";
import type { AttendeeRow, EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";
import { codeOwner } from "../vault/vault.js";
import { recordAudit } from "./audit.js";
import { requireAttendee } from "./attendees.js";
import type { Who } from "./events.js";

export interface AttendeeChanges {
  /** Normalized and valid. */
  email?: string | undefined;
  firstName?: string | undefined;
  lastName?: string | undefined;
  /** Custom fields to set, in order; an empty value removes the field. */
  fields?: readonly (readonly [key: string, value: string])[] | undefined;
}

export interface Change {
  /** `email`, `first_name`, `last_name` or a custom field's key. */
  what: string;
  /** null: there was none (a field added). */
  from: string | null;
  /** null: there is none now (a field removed). */
  to: string | null;
}

export interface UpdatePlan {
  email: string;
  firstName: string;
  lastName: string;
  fields: Record<string, string>;
  changes: Change[];
}

export type PlanResult = { ok: true; plan: UpdatePlan } | { ok: false; reason: string };

/** What `changes` would make of `row`; a field that is not there cannot be removed. */
export function planAttendeeUpdate(row: AttendeeRow, changes: AttendeeChanges): PlanResult {
  const before = JSON.parse(row.fields) as Record<string, string>;
  const fields = new Map(Object.entries(before));
  const list: Change[] = [];
  const note = (what: string, from: string | null, to: string | null) => {
    if (from !== to) list.push({ what, from, to });
  };
  const email = changes.email ?? row.email;
  const firstName = changes.firstName ?? row.firstName;
  const lastName = changes.lastName ?? row.lastName;
  note("email", row.email, email);
  note("first_name", row.firstName, firstName);
  note("last_name", row.lastName, lastName);
  for (const [key, value] of changes.fields ?? []) {
    if (value === "") {
      if (!fields.has(key)) {
        const known = [...fields.keys()];
        return {
          ok: false,
          reason: `${row.email} has no field ${key} to remove (${known.length ? `fields: ${known.join(", ")}` : "no custom fields"})`,
        };
      }
      fields.delete(key);
    } else fields.set(key, value);
  }
  for (const key of new Set([...Object.keys(before), ...fields.keys()])) {
    note(key, before[key] ?? null, fields.get(key) ?? null);
  }
  return {
    ok: true,
    plan: { email, firstName, lastName, fields: Object.fromEntries(fields), changes: list },
  };
}

export interface UpdateResult {
  previousEmail: string;
  email: string;
  changes: Change[];
}

/**
 * Applies `changes` to the attendee `email` of `event` in one transaction, or changes nothing:
 * an unknown attendee, a new email another attendee has, or a field that is not there is a
 * DomainError. A new email also clears the attendee's lock: failures recorded for that address
 * before it was theirs are not their failures.
 */
export async function updateAttendee(
  ws: Workspace,
  event: EventRow,
  email: string,
  changes: AttendeeChanges,
  who: Who,
): Promise<UpdateResult> {
  // The key is loaded before the write lock is taken, as every command that seals does.
  const loaded = changes.email !== undefined ? await ws.vault() : undefined;
  return ws.transaction(async (tx) => {
    const row = await requireAttendee(tx, event, email);
    const planned = planAttendeeUpdate(row, changes);
    if (!planned.ok) throw new DomainError({ code: "invalid-fields", reason: planned.reason });
    const { plan } = planned;
    const result = { previousEmail: row.email, email: plan.email, changes: plan.changes };
    if (plan.changes.length === 0) return result;
    const emailChanged = plan.email !== row.email;
    const newOwner = codeOwner({ ...row, email: plan.email });
    if (emailChanged && (await tx.attendees.byEmail(event.id, plan.email))) {
      throw emailTaken(event, plan.email);
    }
    const vault = emailChanged ? loaded : undefined;
    const written = await tx.attendees.update(
      row.id,
      {
        email: plan.email,
        firstName: plan.firstName,
        lastName: plan.lastName,
        fields: JSON.stringify(plan.fields),
        // The sealed copy and the hash are bound to the email: moved to the new one, same code.
        ...(vault
          ? {
              codeSealed: vault.rebind(row.codeSealed, codeOwner(row), newOwner),
              codeHash: vault.rebindHash(row.codeHash, codeOwner(row), newOwner),
            }
          : {}),
        updatedAt: who.at,
      },
      { clearLock: emailChanged },
    );
    if (written === "email-taken") throw emailTaken(event, plan.email);
    await recordAudit(tx, {
      ...who,
      action: "attendee.update",
      eventId: event.id,
      attendeeId: row.id,
      // Under the address it changes from: `log --attendee OLD` finds this entry, and through
      // the attendee it names every other one (see `queryAudit`).
      email: row.email,
      summary: `updated: ${describeChanges(plan.changes)}${emailChanged ? "; code kept" : ""}`,
    });
    return result;
  });
}

/** `email "a@x.com" → "b@x.com"; company removed (was "X")`. */
export function describeChanges(changes: readonly Change[]): string {
  return changes
    .map((c) =>
      c.from === null
        ? `${c.what} added: ${JSON.stringify(c.to)}`
        : c.to === null
          ? `${c.what} removed (was ${JSON.stringify(c.from)})`
          : `${c.what} ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`,
    )
    .join("; ");
}

function emailTaken(event: EventRow, email: string): DomainError {
  return new DomainError({ code: "email-taken", email, event: event.slug });
}
