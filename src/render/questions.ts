/**
 * The questions several commands ask, asked one way: on a terminal through the prompter, else
 * answered by a flag (`--yes`, an argument) or refused with exit 2 naming it.
 */
import type { Context } from "../context.js";
import { listAttendees, requireAttendee } from "../domain/attendees.js";
import { CancelledError, MissingAnswerError, UsageError } from "../errors.js";
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

/** The most a secret read from stdin may be: a code is 32 symbols, typed with some spaces. */
const SECRET_MAX_BYTES = 1_024;

/**
 * A secret (an access code) that must stay out of process arguments, `ps` and shell history: on
 * a terminal a hidden prompt, else the first line of stdin. `source` names the flag or argument
 * in errors (`--code -`); nothing read is ever repeated.
 */
export async function readSecret(ctx: Context, question: string, source: string): Promise<string> {
  if (ctx.io.stdinIsTTY) {
    // Reading a terminal without the prompter would show the code as it is typed.
    if (!ctx.canPrompt()) throw new MissingAnswerError(question, `the code on stdin (${source})`);
    return ctx.prompter.password(question);
  }
  let text = "";
  let bytes = 0;
  for await (const chunk of ctx.io.stdin) {
    const part = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    bytes += Buffer.byteLength(part);
    text += part;
    if (text.includes("\n") || bytes > SECRET_MAX_BYTES) break;
  }
  if (bytes > SECRET_MAX_BYTES && !text.slice(0, SECRET_MAX_BYTES).includes("\n")) {
    throw new UsageError(`${source}: the first line of stdin is over ${SECRET_MAX_BYTES} bytes`);
  }
  const line = (text.split(/\r?\n/)[0] ?? "").trim();
  if (line === "") {
    throw new UsageError(`${source}: stdin is empty; pipe the code in, e.g. from a file`, {
      hint: "or run it on a terminal to type the code at a hidden prompt",
    });
  }
  return line;
}
