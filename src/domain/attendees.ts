/**
 * Browsing attendees: who they are and how far they got (sent, failed, logged in). Nothing here
 * reads a code column; the views are safe to print.
 */
import { and, asc, desc, eq, gte, inArray, sql, type SQL } from "drizzle-orm";
import { DomainError } from "./errors.js";
import {
  attendees,
  auditLog,
  deliveries,
  logins,
  type AttendeeRow,
  type EventRow,
} from "../store/schema.js";
import { preparedFor, type Workspace } from "../store/workspace.js";
import { recordAuditSync } from "./audit.js";
import { normalizeEmail } from "./email.js";
import { foldText } from "./text-fold.js";
import type { Who } from "./events.js";
import { lockedEmails } from "./logins.js";

export const ATTENDEE_STATUSES = ["unsent", "sent", "failed", "logged-in", "locked"] as const;
export type AttendeeStatus = (typeof ATTENDEE_STATUSES)[number];

export interface AttendeeSummary {
  email: string;
  firstName: string;
  lastName: string;
  fields: Record<string, string>;
  /** A credential email was accepted by the server for the current code. */
  sent: boolean;
  /** The latest delivery of the current code failed and none was sent since. */
  failed: boolean;
  /** The latest delivery of the current code is being sent and none was sent before. */
  pending: boolean;
  /** When their latest delivery (of any code) was last updated: sent, failed or claimed. */
  lastDeliveryAt: string | null;
  /** Why their current code's latest delivery failed (the server's reply), while `failed`. */
  deliveryError: string | null;
  loggedIn: boolean;
  /** Their latest successful login. */
  lastLoginAt: string | null;
  /** While failed logins lock their verification: when the lock ends (ISO UTC); else null. */
  lockedUntil: string | null;
  codeChangedAt: string;
  createdAt: string;
}

/*
 * Where an attendee stands, always about their CURRENT code (deliveries carry the code version
 * they were sent with, and a reset bumps it): sent = a delivery of the current code was accepted;
 * otherwise failed / pending = the latest delivery of the current code is in that state. `stats`
 * counts with the same fragments, so its figures match `attendees list --status`.
 */
// Spelled out in full: as a top-level select field drizzle renders a column without its table,
// and inside these subqueries a bare "id" would mean the subquery's own row.
const attendeeId = sql.raw(`"attendees"."id"`);
const attendeeCodeVersion = sql.raw(`"attendees"."code_version"`);
export const sentSql = sql<number>`exists (select 1 from ${deliveries} d where d.attendee_id = ${attendeeId} and d.status = 'sent' and d.code_version = ${attendeeCodeVersion})`;
const latestCurrentSql = sql`(select d.status from ${deliveries} d where d.attendee_id = ${attendeeId} and d.code_version = ${attendeeCodeVersion} order by d.id desc limit 1)`;
export const failedSql = sql<number>`(not ${sentSql} and coalesce(${latestCurrentSql} = 'failed', 0))`;
export const pendingSql = sql<number>`(not ${sentSql} and coalesce(${latestCurrentSql} = 'pending', 0))`;
export const loggedInSql = sql<number>`exists (select 1 from ${logins} l where l.attendee_id = ${attendeeId} and l.ok = 1)`;
const lastDeliveryAtSql = sql<
  string | null
>`(select max(d.updated_at) from ${deliveries} d where d.attendee_id = ${attendeeId})`;
const deliveryErrorSql = sql<
  string | null
>`(case when ${failedSql} then (select d.response from ${deliveries} d where d.attendee_id = ${attendeeId} and d.code_version = ${attendeeCodeVersion} order by d.id desc limit 1) end)`;
const lastLoginAtSql = sql<
  string | null
>`(select max(l.at) from ${logins} l where l.attendee_id = ${attendeeId} and l.ok = 1)`;

/** The condition for attendees in `status`; `locked` are the emails `lockedEmails` found. */
function statusCondition(status: AttendeeStatus, locked: ReadonlyMap<string, string>): SQL {
  switch (status) {
    case "unsent":
      return sql`not ${sentSql}`;
    case "sent":
      return sentSql;
    case "failed":
      return failedSql;
    case "logged-in":
      return loggedInSql;
    case "locked":
      return locked.size ? inArray(attendees.email, [...locked.keys()]) : sql`0`;
  }
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

/** The attendees of `event` a filter keeps, as WHERE conditions (its limit aside). */
function matching(event: EventRow, filter: ListFilter, locked: ReadonlyMap<string, string>): SQL[] {
  const conditions: SQL[] = [eq(attendees.eventId, event.id)];
  if (filter.search) {
    // Case and accents folded on both sides: `garcia` finds José García.
    const like = `%${foldText(filter.search).replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    conditions.push(
      sql`(evcred_fold(${attendees.email}) like ${like} escape '\\' or evcred_fold(${attendees.firstName} || ' ' || ${attendees.lastName}) like ${like} escape '\\')`,
    );
  }
  if (filter.status) conditions.push(statusCondition(filter.status, locked));
  return conditions;
}

/** The emails locked now, with when each lock ends; none when the filter has no time. */
function locksFor(ws: Workspace, event: EventRow, filter: ListFilter): Map<string, string> {
  if (filter.status === "locked" && !filter.now) throw new Error("locks need the time");
  return filter.now ? lockedEmails(ws, event, filter.now) : new Map<string, string>();
}

export function listAttendees(
  ws: Workspace,
  event: EventRow,
  filter: ListFilter = {},
): AttendeeSummary[] {
  const locked = locksFor(ws, event, filter);
  const conditions = matching(event, filter, locked);
  const query = ws.db
    .select({
      email: attendees.email,
      firstName: attendees.firstName,
      lastName: attendees.lastName,
      fields: attendees.fields,
      sent: sentSql,
      failed: failedSql,
      pending: pendingSql,
      lastDeliveryAt: lastDeliveryAtSql,
      deliveryError: deliveryErrorSql,
      loggedIn: loggedInSql,
      lastLoginAt: lastLoginAtSql,
      codeChangedAt: attendees.codeChangedAt,
      createdAt: attendees.createdAt,
    })
    .from(attendees)
    .where(and(...conditions))
    .orderBy(asc(attendees.id));
  const rows = filter.limit ? query.limit(filter.limit).all() : query.all();
  return rows.map((r) => ({
    ...r,
    fields: JSON.parse(r.fields) as Record<string, string>,
    sent: Boolean(r.sent),
    failed: Boolean(r.failed),
    pending: Boolean(r.pending),
    loggedIn: Boolean(r.loggedIn),
    lockedUntil: locked.get(r.email) ?? null,
  }));
}

/** How many attendees the filter keeps, however many `limit` shows. */
export function countMatching(ws: Workspace, event: EventRow, filter: ListFilter): number {
  return (
    ws.db
      .select({ n: sql<number>`count(*)` })
      .from(attendees)
      .where(and(...matching(event, filter, locksFor(ws, event, filter))))
      .get()?.n ?? 0
  );
}

export function countAttendees(ws: Workspace, event: EventRow): number {
  return (
    ws.db
      .select({ n: sql<number>`count(*)` })
      .from(attendees)
      .where(eq(attendees.eventId, event.id))
      .get()?.n ?? 0
  );
}

export function findAttendee(
  ws: Workspace,
  event: EventRow,
  email: string,
): AttendeeRow | undefined {
  return attendeeByEmail(ws).get({ eventId: event.id, email: normalizeEmail(email) });
}

// Prepared once: every login looks its attendee up, twice.
const attendeeByEmail = preparedFor((ws) =>
  ws.db
    .select()
    .from(attendees)
    .where(
      and(
        eq(attendees.eventId, sql.placeholder("eventId")),
        eq(attendees.email, sql.placeholder("email")),
      ),
    )
    .prepare(),
);

/** The attendee, or an `unknown-attendee` DomainError with the closest emails and names. */
export function requireAttendee(ws: Workspace, event: EventRow, email: string): AttendeeRow {
  const found = findAttendee(ws, event, email);
  if (found) return found;
  const suggestions = closestAttendees(ws, event, email);
  throw new DomainError({
    code: "unknown-attendee",
    email: email.trim(),
    event: event.slug,
    suggestions,
  });
}

function closestAttendees(ws: Workspace, event: EventRow, query: string): string[] {
  const q = normalizeEmail(query);
  const local = q.split("@")[0] ?? q;
  // A typo is a few edits for what was typed, not for the longer text it is compared with.
  const near = (typed: string, known: string) => {
    const d = distance(typed, known);
    return d <= Math.max(1, Math.floor(typed.length / 4)) ? d : Infinity;
  };
  const rows = ws.db
    .select({ email: attendees.email, first: attendees.firstName, last: attendees.lastName })
    .from(attendees)
    .where(eq(attendees.eventId, event.id))
    .all();
  return rows
    .map((r) => {
      const name = `${r.first} ${r.last}`.trim().toLowerCase();
      const score = Math.min(
        near(q, r.email),
        near(local, r.email.split("@")[0] ?? ""),
        name ? near(local, name) : Infinity,
        local.length >= 3 && (r.email.includes(local) || name.includes(local)) ? 1 : Infinity,
      );
      return {
        label: name ? `${r.email} (${r.first} ${r.last})`.replace(/\s+\)/, ")") : r.email,
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

export function showAttendee(
  ws: Workspace,
  event: EventRow,
  email: string,
  now: Date,
): AttendeeDetail {
  const row = requireAttendee(ws, event, email);
  const summary = listAttendees(ws, event, { search: row.email, now }).find(
    (a) => a.email === row.email,
  );
  if (!summary) throw new DomainError({ code: "unknown-attendee", email, event: event.slug });
  return {
    ...summary,
    codeSource: row.codeSource,
    codeVersion: row.codeVersion,
    deliveries: ws.db
      .select({
        template: deliveries.template,
        purpose: deliveries.purpose,
        status: deliveries.status,
        codeVersion: deliveries.codeVersion,
        attempts: deliveries.attempts,
        response: deliveries.response,
        at: deliveries.updatedAt,
      })
      .from(deliveries)
      .where(eq(deliveries.attendeeId, row.id))
      .orderBy(desc(deliveries.id))
      .all(),
    logins: ws.db
      .select({ ok: logins.ok, outcome: logins.outcome, at: logins.at })
      .from(logins)
      .where(eq(logins.attendeeId, row.id))
      .orderBy(desc(logins.id))
      .limit(50)
      .all(),
    codeHistory: codeHistory(ws, event, row),
  };
}

/**
 * When and by whom the attendee's code was set, from the audit log: the import that registered
 * them, then every `code.*` entry, matched on id and time (ids are never reused, and the time
 * keeps the match honest for workspaces from before that; not on email, which `attendees
 * update` may have corrected since). Never the code.
 */
function codeHistory(ws: Workspace, event: EventRow, row: AttendeeRow): CodeHistoryEntry[] {
  const registration = ws.db
    .select({ actor: auditLog.actor })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.eventId, event.id),
        eq(auditLog.action, "import"),
        eq(auditLog.at, row.createdAt),
      ),
    )
    .orderBy(asc(auditLog.id))
    .get();
  const changes = ws.db
    .select({
      at: auditLog.at,
      actor: auditLog.actor,
      action: auditLog.action,
      summary: auditLog.summary,
    })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.attendeeId, row.id),
        gte(auditLog.at, row.createdAt),
        sql`${auditLog.action} like 'code.%'`,
      ),
    )
    .orderBy(asc(auditLog.id))
    .all();
  return [
    {
      at: row.createdAt,
      actor: registration?.actor ?? "unknown",
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
  const removed = ws.transactionSync(() => {
    const row = requireAttendee(ws, event, email);
    ws.db.delete(attendees).where(eq(attendees.id, row.id)).run();
    recordAuditSync(ws, {
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
