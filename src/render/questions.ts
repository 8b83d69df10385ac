/**
 * The questions several commands ask, asked one way: on a terminal through the prompter, else
 * answered by a flag (`--yes`, an argument) or refused with exit 2 naming it.
 */
import type { Context } from "../context.js";
import { listAttendees, requireAttendee } from "../domain/attendees.js";
import { CancelledError, MissingAnswerError } from "../errors.js";
import type { AttendeeRow, EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";

export interface ConfirmOptions {
  /** A sentence after the question: what saying yes does. */
  consequence?: string;
  /** The message of the exit 130 when the answer is no. */
  refused: string;
  defaultYes?: boolean;
}

/** Goes on when `--yes` was given or the organizer says yes; stops the command otherwise. */
export async function confirmAction(
  ctx: Context,
  question: string,
  options: ConfirmOptions,
): Promise<void> {
  if (ctx.options.yes) return;
  if (!ctx.canPrompt()) throw new MissingAnswerError(question, "--yes");
  const text = `${question}?${options.consequence ? ` ${options.consequence}` : ""}`;
  if (!(await ctx.prompter.confirm(text, options.defaultYes ?? false))) {
    throw new CancelledError(options.refused);
  }
}

/** The attendee named, or on a terminal one searched by name or email as the organizer types. */
export async function chooseAttendee(
  ctx: Context,
  ws: Workspace,
  event: EventRow,
  email: string | undefined,
): Promise<AttendeeRow> {
  if (email !== undefined) return requireAttendee(ws, event, email);
  if (!ctx.canPrompt()) throw new MissingAnswerError("which attendee", "EMAIL");
  const chosen = await ctx.prompter.search<string>(
    "Attendee (type part of a name or email):",
    (term) =>
      Promise.resolve(
        listAttendees(ws, event, { search: term.trim() || undefined, limit: 15 }).map((a) => ({
          name: `${a.email}  ${`${a.firstName} ${a.lastName}`.trim()}`.trim(),
          value: a.email,
        })),
      ),
  );
  return requireAttendee(ws, event, chosen);
}
