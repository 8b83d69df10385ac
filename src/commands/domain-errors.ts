/**
 * What a domain refusal says on the command line: one table from a `DomainError`'s code to the
 * flag or argument that carried the input at fault (put before the domain's sentence), a hint
 * and an exit code. `main.ts` maps every DomainError that reaches it with the table's names; a
 * command whose input came from elsewhere (a prompt, another flag) maps it first with `cliError`.
 */
import { DomainError, type DomainErrorCode, type ProblemOf } from "../domain/errors.js";
import { EvcredError, ExitCode, UsageError } from "../errors.js";

export interface CliTerms {
  /**
   * What carried the input at fault (`--code: …`). Without it the table's usual flag or
   * argument; `null` when it was typed at a prompt, which needs no name.
   */
  input?: string | null;
}

interface Entry<C extends DomainErrorCode> {
  /** The flag or argument the input usually comes from. */
  input?: string;
  /** Usage (2) unless said: every refusal so far is of what was asked, with nothing changed. */
  exitCode?: ExitCode;
  hint?: (problem: ProblemOf<C>) => string;
}

const EVENT_FLAGS =
  "--name, --slug, --starts-at, --timezone, --locale, --login-url, --from, --code-length";

const TABLE: { [C in DomainErrorCode]: Entry<C> } = {
  "weak-code": {
    input: "--code",
    hint: () => "prefer --generate: a random code nobody can guess",
  },
  "code-taken": { input: "--code", hint: () => "choose another, or use --generate" },
  "same-code": { input: "--code", hint: (p) => `to send it again: evcred resend ${p.email}` },
  "invalid-email": { input: "EMAIL" },
  "invalid-venue-key-name": { input: "NAME" },
  "venue-key-taken": {
    hint: () => "choose another name, or revoke it first with `evcred venue-key revoke NAME`",
  },
  "unknown-venue-key": { hint: () => "`evcred venue-key list` shows the keys' ids and names" },
  "unknown-attendee": {
    hint: (p) => {
      if (!p.suggestions) return "";
      return p.suggestions.length
        ? `did you mean: ${p.suggestions.join(", ")}?`
        : "list them with: evcred attendees list --search TEXT";
    },
  },
  "email-taken": {
    input: "--email",
    hint: () =>
      "two attendees of an event cannot share an email; remove or fix the other one first",
  },
  "invalid-fields": { input: "--field" },
  "event-slug-taken": {
    hint: (p) =>
      p.renaming
        ? "choose another with --slug"
        : "choose another with --slug, or change it with `evcred event update`",
  },
  "no-event": {
    hint: () => 'create one with `evcred event create "Summit 2026"`, or import with --event SLUG',
  },
  "which-event": {
    hint: (p) => `pass --event (one of: ${p.slugs.join(", ")}) or run \`evcred event use SLUG\``,
  },
  "unknown-event": {
    hint: (p) =>
      p.known.length
        ? `known events: ${p.known.join(", ")}`
        : 'create one with `evcred event create "Summit 2026"`',
  },
  "event-unchanged": { hint: () => `pass at least one of ${EVENT_FLAGS}` },
  "no-linked-template": {
    hint: (p) => `evcred template link ${p.action} ${p.suggested} --event ${p.event}`,
  },
  "template-exists": {
    hint: (p) => `edit it, or pick another name: evcred template new OTHER --from ${p.from}`,
  },
  "no-sender": {
    hint: (p) => `set one with: evcred event update ${p.event} --from "Team <team@example.com>"`,
  },
};

/**
 * `error` as the CLI reports it: a DomainError becomes a UsageError (or the EvcredError of the
 * table's exit code) naming its input, with the table's hint; anything else is returned as is.
 */
export function cliError(error: unknown, terms: CliTerms = {}): unknown {
  if (!(error instanceof DomainError)) return error;
  const { input, hint, exitCode } = worded(error.problem);
  const named = terms.input === undefined ? input : terms.input;
  const message = named ? `${named}: ${error.message}` : error.message;
  return exitCode === ExitCode.usage
    ? new UsageError(message, { hint, cause: error })
    : new EvcredError(message, { exitCode, hint, cause: error });
}

function worded<C extends DomainErrorCode>(problem: ProblemOf<C>) {
  const entry: Entry<C> = TABLE[problem.code];
  return {
    input: entry.input,
    // An empty hint is no hint: the problem had nothing to suggest.
    hint: entry.hint?.(problem) || undefined,
    exitCode: entry.exitCode ?? ExitCode.usage,
  };
}
