/**
 * What the rules refuse, as data: a stable `code` and what the refusal is about, with a plain
 * sentence for a person (kept in a campaign's result, shown by `doctor`) but never the wording
 * of a face: no flag, argument, command or status. The CLI turns a code into a message naming
 * the flag or argument at fault, a hint and an exit code (commands/domain-errors.ts), the server
 * into a status and a JSON `error` (server/errors.ts); one table each, typed to cover every code.
 * No problem carries an access code.
 */
export type DomainProblem =
  /** An organizer's or attendee's own code is guessable; `reason` says how (no code in it). */
  | { code: "weak-code"; reason: string }
  /** The code is another attendee's of the event (not said whose). */
  | { code: "code-taken"; event: string }
  /** The code is already this attendee's: setting it again would not make the old one stop. */
  | { code: "same-code"; email: string }
  | { code: "invalid-email" }
  | { code: "invalid-venue-key-name"; name: string }
  | { code: "venue-key-taken"; name: string }
  /** `key` as it was asked for: an id or a name. */
  | { code: "unknown-venue-key"; key: string }
  /** `suggestions`: the closest emails and names, when a search was made for them. */
  | { code: "unknown-attendee"; email: string; event: string; suggestions?: readonly string[] }
  | { code: "email-taken"; email: string; event: string }
  /** An attendee's fields cannot change so; `reason` names the field. */
  | { code: "invalid-fields"; reason: string }
  /** `renaming`: an update asked for the slug, rather than a new event. */
  | { code: "event-slug-taken"; slug: string; renaming: boolean }
  | { code: "no-event" }
  /** More than one event and none chosen. */
  | { code: "which-event"; slugs: readonly string[] }
  | { code: "unknown-event"; slug: string; known: readonly string[] }
  /** An event update with nothing in it. */
  | { code: "event-unchanged" }
  /** `suggested`: the built-in template the action usually sends. */
  | { code: "no-linked-template"; event: string; action: string; suggested: string }
  /** Mail to real servers needs a `From`. */
  | { code: "no-sender"; event: string }
  /** A template copy would overwrite `file` (as messages name it: `templates/NAME.eta`); from `from`. */
  | { code: "template-exists"; file: string; from: string };

export type DomainErrorCode = DomainProblem["code"];

/** The problem of one code, e.g. `ProblemOf<"code-taken">` is `{code: "code-taken"; event: string}`. */
export type ProblemOf<C extends DomainErrorCode> = Extract<DomainProblem, { code: C }>;

export class DomainError extends Error {
  override readonly name = "DomainError";
  readonly problem: DomainProblem;

  constructor(problem: DomainProblem, options: { cause?: unknown } = {}) {
    super(
      describeProblem(problem),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.problem = problem;
  }

  get code(): DomainErrorCode {
    return this.problem.code;
  }
}

/** `error` is a DomainError with one of `codes` (or any code, when none is given). */
export function isDomainError(error: unknown, ...codes: DomainErrorCode[]): error is DomainError {
  return error instanceof DomainError && (codes.length === 0 || codes.includes(error.code));
}

/** The problem in a sentence that holds for every face. */
export function describeProblem(problem: DomainProblem): string {
  switch (problem.code) {
    case "weak-code":
      return problem.reason;
    case "code-taken":
      return `that code is taken by another attendee of ${problem.event}`;
    case "same-code":
      return `that is already ${problem.email}'s code; nothing to change`;
    case "invalid-email":
      return "that is not an email address";
    case "invalid-venue-key-name":
      return `"${problem.name}" is not a venue key name (letters, digits, . _ -, up to 64, not all digits)`;
    case "venue-key-taken":
      return `a venue key named "${problem.name}" already exists`;
    case "unknown-venue-key":
      return `no venue key "${problem.key}"`;
    case "unknown-attendee":
      return `no attendee ${problem.email} in ${problem.event}`;
    case "email-taken":
      return `${problem.email} is already an attendee of ${problem.event}`;
    case "invalid-fields":
      return problem.reason;
    case "event-slug-taken":
      return `an event with slug "${problem.slug}" already exists`;
    case "no-event":
      return "there is no event yet";
    case "which-event":
      return `there are ${problem.slugs.length} events; which one?`;
    case "unknown-event":
      return `no event "${problem.slug}"`;
    case "event-unchanged":
      return "nothing to change";
    case "no-linked-template":
      return `nothing is linked to ${problem.action} for ${problem.event}: which template should it send?`;
    case "no-sender":
      return `event ${problem.event} has no sender address`;
    case "template-exists":
      return `${problem.file} already exists; nothing written`;
  }
}
