/**
 * Who a send is for. A delivery carries the code version it was sent with and a reset bumps the
 * attendee's version, so "no successful delivery of this template for the current code" is both
 * the resume rule (a rerun sends only what is left) and the reset rule (a reset attendee is due
 * again, nobody else is).
 */
import type { AttendeeRow, EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";

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
): Promise<AttendeeRow[]> {
  return ws.store.attendees.due(event.id, template, options.audience, options.limit);
}

/** How many attendees of `event` are still due `template` (the default send's audience). */
export function countDue(ws: Workspace, event: EventRow, template: string): Promise<number> {
  return ws.store.attendees.countDue(event.id, template);
}
