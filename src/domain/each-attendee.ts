/**
 * Every attendee of an event, read in batches by id, so a check over 100,000 of them holds one
 * batch in memory at a time (the store has no cursor both dialects share; keyset pages do).
 */
import { and, asc, eq, gt } from "drizzle-orm";
import { attendees, type AttendeeRow, type EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";

export function* eachAttendee(
  ws: Workspace,
  event: EventRow,
  batchSize = 1_000,
): Generator<AttendeeRow, void, undefined> {
  let after = 0;
  for (;;) {
    const batch = ws.db
      .select()
      .from(attendees)
      .where(and(eq(attendees.eventId, event.id), gt(attendees.id, after)))
      .orderBy(asc(attendees.id))
      .limit(batchSize)
      .all();
    yield* batch;
    const last = batch.at(-1);
    if (!last || batch.length < batchSize) return;
    after = last.id;
  }
}
