/**
 * Who a send is for. A delivery carries the code version it was sent with and a reset bumps the
 * attendee's version, so "no successful delivery of this template for the current code" is both
 * the resume rule (a rerun sends only what is left) and the reset rule (a reset attendee is due
 * again, nobody else is).
 */
import { and, asc, eq, not, sql, type SQL } from "drizzle-orm";
import { attendees, deliveries, type AttendeeRow, type EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";

export interface DueOptions {
  /** Everyone in the event, whatever was sent before. */
  all: boolean;
  /** At most this many, the lowest ids first. */
  limit?: number | undefined;
}

/**
 * The attendees of `event` without a successful delivery of `template` since their code last
 * changed (status `sent`, same template, same code version), or all of them with `all`; by id.
 * Reads only.
 */
export function dueForTemplate(
  ws: Workspace,
  event: EventRow,
  template: string,
  options: DueOptions,
): AttendeeRow[] {
  const delivered = deliveredForCurrentCode(template);
  const query = ws.db
    .select()
    .from(attendees)
    .where(
      options.all
        ? eq(attendees.eventId, event.id)
        : and(eq(attendees.eventId, event.id), not(delivered)),
    )
    .orderBy(asc(attendees.id));
  return options.limit === undefined ? query.all() : query.limit(options.limit).all();
}

/** How many attendees of `event` are still due `template` (the default send's audience). */
export function countDue(ws: Workspace, event: EventRow, template: string): number {
  const row = ws.db
    .select({ n: sql<number>`count(*)` })
    .from(attendees)
    .where(and(eq(attendees.eventId, event.id), not(deliveredForCurrentCode(template))))
    .get();
  return row?.n ?? 0;
}

/**
 * True for an attendee with a `sent` delivery of `template` carrying their current code version:
 * the one rule for "already has it", shared by the recipient list and the sender's claims.
 */
export function deliveredForCurrentCode(template: string | SQL): SQL {
  return sql`exists (select 1 from ${deliveries} d where d.attendee_id = "attendees"."id" and d.template = ${template} and d.status = 'sent' and d.code_version = "attendees"."code_version")`;
}
