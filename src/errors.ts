/**
 * The error hierarchy. Every failure a user can cause or meet is one of these; `main.ts` maps
 * them to the exit codes of the SPEC in one place. Messages never carry an access code.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  partial: 3,
  cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class EvcredError extends Error {
  readonly exitCode: ExitCode;
  /** What the user can do about it, shown on its own line. */
  readonly hint: string | undefined;

  constructor(
    message: string,
    options: { exitCode?: ExitCode; hint?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? ExitCode.failed;
    this.hint = options.hint;
  }
}

/** A bad flag, argument or input file: exit 2, nothing changed. */
export class UsageError extends EvcredError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: ExitCode.usage });
  }
}

/** A question had no answer: no TTY to ask on and no flag that gives it. */
export class MissingAnswerError extends UsageError {
  constructor(question: string, flag: string) {
    super(`${question}: no terminal to ask on`, { hint: `pass ${flag} to answer it` });
  }
}

/** The user said no, or pressed Ctrl-C. */
export class CancelledError extends EvcredError {
  constructor(message = "cancelled") {
    super(message, { exitCode: ExitCode.cancelled });
  }
}

/** The master key or the workspace's record of it is wrong: refuse rather than produce garbage. */
export class KeyError extends EvcredError {}

/** The workspace file cannot be opened as an evcred workspace. */
export class WorkspaceError extends EvcredError {}

/** The `code` of an error from node:fs (`EACCES`…) or better-sqlite3 (`SQLITE_…`), if any. */
export function errorCode(error: unknown): string | undefined {
  if (error instanceof Error && "code" in error && typeof error.code === "string")
    return error.code;
  return undefined;
}

/** Why a file operation failed, short: its code (`ENOENT`), else its message. */
export function errorReason(error: unknown): string {
  return errorCode(error) ?? (error instanceof Error ? error.message : String(error));
}
