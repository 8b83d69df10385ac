/**
 * What `template list`, `template check` and `preview` render against when no attendee is named:
 * the event in use if there is one (none is not an error here), and its custom column names.
 */
import { listAttendees } from "../../domain/attendees.js";
import { currentEventSlug, findEvent, listEvents, requireEvent } from "../../domain/events.js";
import type { Context } from "../../context.js";
import type { EventRow } from "../../store/schema.js";
import type { Workspace } from "../../store/workspace.js";

export interface SampleContext {
  event: EventRow | undefined;
  /** Custom CSV columns of the event's attendees, so `it.fields.company` gets a placeholder. */
  fieldNames: string[];
  /** An attendee's email to suggest for `--to`, if the event has any. */
  example: string | undefined;
}

/** Templates checked in a folder without a workspace: the sample event, no columns. */
export const NO_WORKSPACE: SampleContext = { event: undefined, fieldNames: [], example: undefined };

/** The event named (it must exist), else the one in use, else the only one, else none. */
export async function eventIfAny(
  ws: Workspace,
  named: string | undefined,
): Promise<EventRow | undefined> {
  if (named) return await requireEvent(ws, named);
  const chosen = await currentEventSlug(ws);
  const event = chosen ? await findEvent(ws, chosen) : undefined;
  if (event) return event;
  const all = await listEvents(ws);
  return all.length === 1 ? all[0] : undefined;
}

/**
 * Templates are files: listing and checking them needs no workspace, and must not create one.
 * One that is there gives them the event, its links and its attendees; `--event` needs one.
 */
export function templateWorkspace(ctx: Context): Promise<Workspace | undefined> {
  return ctx.options.event === undefined ? ctx.existingWorkspace() : ctx.workspace();
}

export async function sampleContext(
  ws: Workspace,
  named: string | undefined,
): Promise<SampleContext> {
  const event = await eventIfAny(ws, named);
  const first = event ? (await listAttendees(ws, event, { limit: 1 }))[0] : undefined;
  return { event, fieldNames: Object.keys(first?.fields ?? {}), example: first?.email };
}
