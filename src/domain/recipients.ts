/**
 * Who a send is for. A delivery carries the code version it was sent with and a reset bumps the
 * attendee's version, so "no successful delivery of this template for the current code" is both
 * the resume rule (a rerun sends only what is left) and the reset rule (a reset attendee is due
 * again, nobody else is).
 */
import { and, asc, eq, not, sql, type SQL } from "drizzle-orm";
import { attendees, deliveries, type AttendeeRow, type EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";
import { loggedInSql } from "../store/sqlite/attendee-status.js";

/**
 * Who a send is for: `unsent`, those without this template for their current code (the resume
 * rule); `all`, everyone; `not-logged-in`, everyone without a successful login yet, whatever
 * they were sent (a reminder).
 */
export const AUDIENCES = ["unsent", "all", "not-logged-in"] as const;
export type Audience = (typeof AUDIENCES)[number];

/** Whether the sender's claims skip those who have the template for their current code. */
export function audienceOnlyDue(audience: Audience): boolean {
  return audience === "unsent";
}

export interface DueOptions {
  audience: Audience;
  /** At most this many, the lowest ids first. */
  limit?: number | undefined;
}

/**
 * The attendees of `event` in `audience` for `template`, by id: for `unsent`, those without a
 * successful delivery of `template` since their code last changed (status `sent`, same
 * template, same code version). Reads only.
 */
export function dueForTemplate(
  ws: Workspace,
  event: EventRow,
  template: string,
  options: DueOptions,
): AttendeeRow[] {
  const audience: Record<Audience, SQL | undefined> = {
    unsent: not(deliveredForCurrentCode(template)),
    all: undefined,
    "not-logged-in": not(loggedInSql),
  };
  const query = ws.db
    .select()
    .from(attendees)
    .where(and(eq(attendees.eventId, event.id), audience[options.audience]))
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
 * True for an attendee with a `sent` delivery of `template` carrying their current code version,
 * sent by `send`, `resend` or `reset` (a campaign's deliveries are its own): the one rule for
 * "already has it", shared by the recipient list and the sender's claims.
 */
export function deliveredForCurrentCode(template: string | SQL): SQL {
  return sql`exists (select 1 from ${deliveries} d where d.attendee_id = "attendees"."id" and d.template = ${template} and d.campaign_id is null and d.status = 'sent' and d.code_version = "attendees"."code_version")`;
}

/**
 * True for an attendee campaign `campaignId` is done with: sent, or failed after the server
 * answered (a permanent refusal, listed and not retried). A claim its crashed sender left behind
 * (closed as failed with no attempt) does not count: a resumed run sends it again.
 */
export function campaignSettled(campaignId: number): SQL {
  return sql`exists (select 1 from ${deliveries} d where d.attendee_id = "attendees"."id" and d.campaign_id = ${campaignId} and (d.status = 'sent' or (d.status = 'failed' and d.attempts > 0)))`;
}
