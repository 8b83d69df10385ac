/**
 * Every attendee of an event, read in batches by id, so a check over 100,000 of them holds one
 * batch in memory at a time (the store has no cursor both dialects share; keyset pages do).
 */
import type { AttendeeRow, EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";

export async function* eachAttendee(
  ws: Workspace,
  event: EventRow,
  batchSize = 1_000,
): AsyncGenerator<AttendeeRow, void, undefined> {
  let after = 0;
  for (;;) {
    const batch = await ws.store.attendees.page(event.id, after, batchSize);
    yield* batch;
    const last = batch.at(-1);
    if (!last || batch.length < batchSize) return;
    after = last.id;
  }
}
