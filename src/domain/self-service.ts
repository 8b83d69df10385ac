/**
 * The attendee's own "send me my credentials again": how many they may ask for. The count is
 * read from the deliveries table, so the limit holds across processes and restarts.
 */
import type { AttendeeRow } from "../store/schema.js";
import type { Queries } from "../store/store.js";
import { queriesOf, type Workspace } from "../store/workspace.js";

/** Self-service emails one attendee may get in an hour (SPEC: at most 3). */
export const SELF_SERVICE_PER_HOUR = 3;
const HOUR_MS = 60 * 60 * 1000;

/** Whether the attendee has had fewer than the hour's self-service emails (any outcome). */
export async function selfServiceAllowed(
  q: Queries | Workspace,
  attendee: AttendeeRow,
  now: Date,
): Promise<boolean> {
  const since = new Date(now.getTime() - HOUR_MS).toISOString();
  return (
    (await queriesOf(q).deliveries.selfServiceSince(attendee.id, since)) < SELF_SERVICE_PER_HOUR
  );
}
