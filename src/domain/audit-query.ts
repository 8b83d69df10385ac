/** Reading the audit trail back: newest first, filtered by event, attendee and time. */
import { and, desc, eq, gte, isNull, or, sql, type SQL } from "drizzle-orm";
import { attendees, auditLog, events } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";
import { normalizeEmail } from "./email.js";
import { resolveDateTime, TimeInputError } from "./time.js";

export interface AuditFilter {
  /** One event's entries and the workspace-wide ones (no event); undefined for every event. */
  eventId?: number | undefined;
  /**
   * Only entries about this attendee (any spelling of the email): also those from before or
   * after their email was changed, found through the attendee they name.
   */
  email?: string | undefined;
  /** ISO time: only entries at or after it. */
  since?: string | undefined;
  limit?: number | undefined;
}

export interface AuditView {
  id: number;
  at: string;
  actor: string;
  action: string;
  /** The event's slug; null for a workspace-wide entry or an event since deleted. */
  event: string | null;
  email: string | null;
  summary: string;
}

export interface AuditPage {
  entries: AuditView[];
  /** How many entries match the filter, however many were shown. */
  total: number;
}

export function queryAudit(ws: Workspace, filter: AuditFilter): AuditPage {
  const conditions: SQL[] = [];
  if (filter.eventId !== undefined) {
    const scope = or(eq(auditLog.eventId, filter.eventId), isNull(auditLog.eventId));
    if (scope) conditions.push(scope);
  }
  if (filter.email !== undefined) conditions.push(aboutAttendee(normalizeEmail(filter.email)));
  if (filter.since !== undefined) conditions.push(gte(auditLog.at, filter.since));
  const where = conditions.length ? and(...conditions) : undefined;
  const query = ws.db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      actor: auditLog.actor,
      action: auditLog.action,
      event: events.slug,
      email: auditLog.email,
      summary: auditLog.summary,
    })
    .from(auditLog)
    .leftJoin(events, eq(events.id, auditLog.eventId))
    .where(where)
    .orderBy(desc(auditLog.at), desc(auditLog.id));
  const entries = filter.limit === undefined ? query.all() : query.limit(filter.limit).all();
  const total =
    ws.db
      .select({ n: sql<number>`count(*)` })
      .from(auditLog)
      .where(where)
      .get()?.n ?? 0;
  return { entries, total };
}

/**
 * The entries of the attendee who has, or ever had, `email`: an email fixed with
 * `attendees update` leaves the earlier entries under the old one, and both find all of them.
 */
function aboutAttendee(email: string): SQL {
  const ids = sql`select ${auditLog.attendeeId} from ${auditLog} where ${auditLog.email} = ${email} and ${auditLog.attendeeId} is not null
    union select ${attendees.id} from ${attendees} where ${attendees.email} = ${email}`;
  return sql`(${auditLog.email} = ${email} or ${auditLog.attendeeId} in (${ids}))`;
}

const UNITS: Readonly<Record<string, number>> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * `--since`: an ISO date or time (`2026-05-04`, `2026-05-04T09:00Z`), or a duration back from
 * `now` (`30m`, `2h`, `3d`, `1w`). A time without an offset is read in `zone` (the event's, in
 * which the log shows its times; UTC without one). The ISO time it means, or undefined when it
 * means nothing.
 */
export function parseSince(
  input: string,
  now: Date,
  zone: string | null = null,
): string | undefined {
  const text = input.trim();
  const duration = /^(\d+)\s*([mhdw])$/i.exec(text);
  if (duration) {
    const unit = UNITS[(duration[2] ?? "").toLowerCase()] ?? 0;
    return new Date(now.getTime() - Number(duration[1]) * unit).toISOString();
  }
  try {
    return resolveDateTime(text, zone ?? "UTC").toISOString();
  } catch (error) {
    if (error instanceof TimeInputError) return undefined;
    throw error;
  }
}
