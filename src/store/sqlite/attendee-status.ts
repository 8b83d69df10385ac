/**
 * Where an attendee stands, as SQL on SQLite (see `queries/attendees.ts`): fragments of the
 * attendees query, so lists, counts, audiences and `stats` agree.
 */
import { sql, type SQL } from "drizzle-orm";
import { deliveries, logins } from "../schema.js";

// Spelled out in full: as a top-level select field drizzle renders a column without its table,
// and inside these subqueries a bare "id" would mean the subquery's own row.
const attendeeId = sql.raw(`"attendees"."id"`);
const attendeeCodeVersion = sql.raw(`"attendees"."code_version"`);
export const sentSql = sql<number>`exists (select 1 from ${deliveries} d where d.attendee_id = ${attendeeId} and d.status = 'sent' and d.code_version = ${attendeeCodeVersion})`;
const latestCurrentSql = sql`(select d.status from ${deliveries} d where d.attendee_id = ${attendeeId} and d.code_version = ${attendeeCodeVersion} order by d.id desc limit 1)`;
/** The id of their latest delivery of their current code, whose status says failed or pending. */
export const latestCurrentIdSql = sql<
  number | null
>`(select d.id from ${deliveries} d where d.attendee_id = ${attendeeId} and d.code_version = ${attendeeCodeVersion} order by d.id desc limit 1)`;
export const failedSql = sql<number>`(not ${sentSql} and coalesce(${latestCurrentSql} = 'failed', 0))`;
export const pendingSql = sql<number>`(not ${sentSql} and coalesce(${latestCurrentSql} = 'pending', 0))`;
export const loggedInSql = sql<number>`exists (select 1 from ${logins} l where l.attendee_id = ${attendeeId} and l.ok = 1)`;
export const lastDeliveryAtSql = sql<
  string | null
>`(select max(d.updated_at) from ${deliveries} d where d.attendee_id = ${attendeeId})`;
export const lastLoginAtSql = sql<
  string | null
>`(select max(l.at) from ${logins} l where l.attendee_id = ${attendeeId} and l.ok = 1)`;

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
