/**
 * The questions several commands ask, asked one way: on a terminal through the prompter, else
 * answered by a flag (`--yes`, an argument) or refused with exit 2 naming it. Nothing here reads
 * the workspace: what a question offers comes from its caller.
 */
import type { Context } from "../context.js";
import { CancelledError, MissingAnswerError, UsageError } from "../errors.js";
import type { Choice } from "./prompter.js";

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

export interface SearchQuestion {
  /** The prompt the organizer types at. */
  prompt: string;
  /** What is asked, for the error without a terminal (`which attendee`). */
  asks: string;
  /** The flag or argument that answers it instead (`EMAIL`). */
  answeredBy: string;
}

/**
 * One of the choices `suggest` gives for what the organizer types, on a terminal; without one,
 * refused naming the flag or argument that answers instead. What to offer is the caller's:
 * this only asks.
 */
export async function searchChoice<T>(
  ctx: Context,
  question: SearchQuestion,
  suggest: (term: string) => Promise<readonly Choice<T>[]>,
): Promise<T> {
  if (!ctx.canPrompt()) throw new MissingAnswerError(question.asks, question.answeredBy);
  return ctx.prompter.search<T>(question.prompt, suggest);
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
