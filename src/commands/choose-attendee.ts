/**
 * The attendee a command acts on: the one named, or on a terminal one searched by name or email
 * as the organizer types (the attendees offered come from the domain; render only asks).
 */
import type { Context } from "../context.js";
import { listAttendees, requireAttendee } from "../domain/attendees.js";
import { searchChoice } from "../render/questions.js";
import type { AttendeeRow, EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";

/** Offered at each keystroke: enough to pick from, few enough to read. */
const OFFERED = 15;

export async function chooseAttendee(
  ctx: Context,
  ws: Workspace,
  event: EventRow,
  email: string | undefined,
): Promise<AttendeeRow> {
  if (email !== undefined) return await requireAttendee(ws, event, email);
  const chosen = await searchChoice(
    ctx,
    {
      prompt: "Attendee (type part of a name or email):",
      asks: "which attendee",
      answeredBy: "EMAIL",
    },
    async (term) =>
      (await listAttendees(ws, event, { search: term.trim() || undefined, limit: OFFERED })).map(
        (a) => ({
          name: `${a.email}  ${`${a.firstName} ${a.lastName}`.trim()}`.trim(),
          value: a.email,
        }),
      ),
  );
  return await requireAttendee(ws, event, chosen);
}
