/**
 * The attendee's own "send me my credentials again": how many they may ask for. The count is
 * read from the deliveries table, so the limit holds across processes and restarts.
 */
import { and, count, eq, gt } from "drizzle-orm";
import { deliveries, type AttendeeRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";

/** Self-service emails one attendee may get in an hour (SPEC: at most 3). */
export const SELF_SERVICE_PER_HOUR = 3;
const HOUR_MS = 60 * 60 * 1000;

/** Whether the attendee has had fewer than the hour's self-service emails (any outcome). */
export function selfServiceAllowed(ws: Workspace, attendee: AttendeeRow, now: Date): boolean {
  const since = new Date(now.getTime() - HOUR_MS).toISOString();
  const row = ws.db
    .select({ n: count() })
    .from(deliveries)
    .where(
      and(
        eq(deliveries.attendeeId, attendee.id),
        eq(deliveries.purpose, "self-service"),
        gt(deliveries.createdAt, since),
      ),
    )
    .get();
  return (row?.n ?? 0) < SELF_SERVICE_PER_HOUR;
}
