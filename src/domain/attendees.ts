/**
 * Browsing attendees: who they are and how far they got (sent, failed, logged in). Nothing here
 * reads a code column; the views are safe to print.
 */
import { DomainError } from "./errors.js";
import type { AttendeeRow, EventRow } from "../store/schema.js";
import type { AttendeeFilter, AttendeeStanding } from "../store/queries/attendees.js";
import type { Queries } from "../store/store.js";
import { queriesOf, type Workspace } from "../store/workspace.js";
import { recordAudit } from "./audit.js";
import { normalizeEmail } from "./email.js";
import { foldText } from "./text-fold.js";
import type { Who } from "./events.js";
import { lockedEmails } from "./logins.js";

export { ATTENDEE_STATUSES, type AttendeeStatus } from "../store/queries/attendees.js";
import type { AttendeeStatus } from "../store/queries/attendees.js";

/** An attendee as the commands show them: their standing, fields parsed, and any lock. */
export interface AttendeeSummary extends Omit<AttendeeStanding, "fields"> {
  fields: Record<string, string>;
  /** While failed logins lock their verification: when the lock ends (ISO UTC); else null. */
  lockedUntil: string | null;
}

export interface ListFilter {
  search?: string | undefined;
  status?: AttendeeStatus | undefined;
  limit?: number | undefined;
  /**
   * The time lock states are computed for. Without it locks are not looked up (`lockedUntil` is
   * null, `status: "locked"` is refused): for callers that need only names and fields.
   */
  now?: Date | undefined;
}

/** The filter as the store takes it: the search folded, the locks looked up when needed. */
async function storeFilter(
  q: Queries,
  event: EventRow,
  filter: ListFilter,
): Promise<{ filter: AttendeeFilter; locked: Map<string, string> }> {
  if (filter.status === "locked" && !filter.now) throw new Error("locks need the time");
  const locked = filter.now ? await lockedEmails(q, event, filter.now) : new Map<string, string>();
  return {
    locked,
    filter: {
      eventId: event.id,
      // Case and accents folded on both sides: `garcia` finds José García.
      search: filter.search ? foldText(filter.search) : undefined,
      status: filter.status,
      locked: [...locked.keys()],
      limit: filter.limit,
    },
  };
}

export async function listAttendees(
  q: Queries | Workspace,
  event: EventRow,
  filter: ListFilter = {},
): Promise<AttendeeSummary[]> {
  const store = queriesOf(q);
  const { filter: query, locked } = await storeFilter(store, event, filter);
  const rows = await store.attendees.standings(query);
  return rows.map((r) => summary(r, locked));
}

function summary(r: AttendeeStanding, locked: ReadonlyMap<string, string>): AttendeeSummary {
  return {
    ...r,
    fields: JSON.parse(r.fields) as Record<string, string>,
    lockedUntil: locked.get(r.email) ?? null,
  };
}

/** How many attendees the filter keeps, however many `limit` shows. */
export async function countMatching(
  q: Queries | Workspace,
  event: EventRow,
  filter: ListFilter,
): Promise<number> {
  const store = queriesOf(q);
  return store.attendees.countMatching((await storeFilter(store, event, filter)).filter);
}

export function countAttendees(q: Queries | Workspace, event: EventRow): Promise<number> {
  return queriesOf(q).attendees.count(event.id);
}

export function findAttendee(
  q: Queries | Workspace,
  event: EventRow,
  email: string,
): Promise<AttendeeRow | undefined> {
  return queriesOf(q).attendees.byEmail(event.id, normalizeEmail(email));
}

/** The attendee, or an `unknown-attendee` DomainError with the closest emails and names. */
export async function requireAttendee(
  q: Queries | Workspace,
  event: EventRow,
  email: string,
): Promise<AttendeeRow> {
  const found = await findAttendee(q, event, email);
  if (found) return found;
  const suggestions = closestAttendees(await queriesOf(q).attendees.names(event.id), email);
  throw new DomainError({
    code: "unknown-attendee",
    email: email.trim(),
    event: event.slug,
    suggestions,
  });
}

function closestAttendees(
  rows: readonly { email: string; firstName: string; lastName: string }[],
  query: string,
): string[] {
  const q = normalizeEmail(query);
  const local = q.split("@")[0] ?? q;
  // A typo is a few edits for what was typed, not for the longer text it is compared with.
  const near = (typed: string, known: string) => {
    const d = distance(typed, known);
    return d <= Math.max(1, Math.floor(typed.length / 4)) ? d : Infinity;
  };
  return rows
    .map((r) => {
      const name = `${r.firstName} ${r.lastName}`.trim().toLowerCase();
      const score = Math.min(
        near(q, r.email),
        near(local, r.email.split("@")[0] ?? ""),
        name ? near(local, name) : Infinity,
        local.length >= 3 && (r.email.includes(local) || name.includes(local)) ? 1 : Infinity,
      );
      return {
        label: name ? `${r.email} (${r.firstName} ${r.lastName})`.replace(/\s+\)/, ")") : r.email,
        score,
      };
    })
    .filter((r) => r.score !== Infinity)
    .sort((a, b) => a.score - b.score)
    .slice(0, 3)
    .map((r) => r.label);
}

/** Levenshtein distance, for "did you mean". */
export function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

export interface AttendeeDetail extends AttendeeSummary {
  codeSource: "generated" | "organizer" | "attendee";
  codeVersion: number;
  deliveries: {
    template: string;
    purpose: string;
    status: string;
    /** The code version it carried; below the attendee's `codeVersion`, an earlier code. */
    codeVersion: number;
    attempts: number;
    response: string | null;
    at: string;
  }[];
  logins: { ok: boolean; outcome: string; at: string }[];
  codeHistory: CodeHistoryEntry[];
}

export interface CodeHistoryEntry {
  at: string;
  actor: string;
  action: string;
  summary: string;
}

export async function showAttendee(
  ws: Workspace,
  event: EventRow,
  email: string,
  now: Date,
): Promise<AttendeeDetail> {
  const row = await requireAttendee(ws, event, email);
  const found = (await listAttendees(ws, event, { search: row.email, now })).find(
    (a) => a.email === row.email,
  );
  if (!found) throw new DomainError({ code: "unknown-attendee", email, event: event.slug });
  return {
    ...found,
    codeSource: row.codeSource,
    codeVersion: row.codeVersion,
    deliveries: await ws.store.attendees.deliveries(row.id),
    logins: await ws.store.attendees.logins(row.id, 50),
    codeHistory: await codeHistory(ws.store, event, row),
  };
}

/**
 * When and by whom the attendee's code was set, from the audit log: the import that registered
 * them, then every `code.*` entry, matched on id and time (ids are never reused, and the time
 * keeps the match honest for workspaces from before that; not on email, which `attendees
 * update` may have corrected since). Never the code.
 */
async function codeHistory(
  q: Queries,
  event: EventRow,
  row: AttendeeRow,
): Promise<CodeHistoryEntry[]> {
  const importedBy = await q.audit.importedBy(event.id, row.createdAt);
  const changes = await q.audit.codeChanges(row.id, row.createdAt);
  return [
    {
      at: row.createdAt,
      actor: importedBy ?? "unknown",
      action: "import",
      summary: "registered; code generated",
    },
    ...changes,
  ];
}

export async function removeAttendee(
  ws: Workspace,
  event: EventRow,
  email: string,
  who: Who,
): Promise<AttendeeRow> {
  const removed = await ws.transaction(async (tx) => {
    const row = await requireAttendee(tx, event, email);
    await tx.attendees.remove(row.id);
    await recordAudit(tx, {
      ...who,
      action: "attendee.remove",
      eventId: event.id,
      attendeeId: row.id,
      email: row.email,
      summary: "removed: code and deliveries deleted, logins kept for the metrics",
    });
    return row;
  });
  await ws.scrub(); // their hash, seal and fingerprint: out of free pages and the WAL
  return removed;
}
