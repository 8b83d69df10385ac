/**
 * What SQLite and the file system say when the workspace itself is the problem — read-only,
 * damaged, full, locked — turned into one clear error naming the file. Used when the workspace
 * is opened, and by `main.ts` for the same failures met later in a command. No driver import
 * here: errors are recognised by their `SQLITE_…` code, so loading this costs start-up nothing.
 */
import { errorCode, ExitCode, WorkspaceError } from "../errors.js";

/**
 * A WorkspaceError for a failure SQLite met in the workspace file `path`, or undefined when
 * `error` is something else (a bug, a bad input, another file) and should be reported as it is.
 */
export function storeFailure(error: unknown, path: string): WorkspaceError | undefined {
  if (error instanceof WorkspaceError) return error;
  const code = errorCode(error);
  if (code === undefined || !code.startsWith("SQLITE_")) return undefined;
  const reason = error instanceof Error ? error.message : String(error);
  if (code === "SQLITE_NOTADB") {
    return new WorkspaceError(`cannot open the workspace ${path}: ${reason}`, {
      exitCode: ExitCode.usage,
      hint: "is --db pointing at an evcred workspace? A damaged file can be restored from a backup",
      cause: error,
    });
  }
  if (code.startsWith("SQLITE_CORRUPT")) {
    return new WorkspaceError(`the workspace ${path} is damaged (${reason}); nothing was changed`, {
      hint: "restore it from a backup, or open it with the sqlite3 shell's .recover to save what is left",
      cause: error,
    });
  }
  if (
    code.startsWith("SQLITE_READONLY") ||
    code === "SQLITE_CANTOPEN" ||
    code === "SQLITE_PERM" ||
    code === "SQLITE_AUTH"
  ) {
    return readOnly(path, reason, error);
  }
  if (code === "SQLITE_FULL") {
    return new WorkspaceError(`the disk holding the workspace ${path} is full (${reason})`, {
      hint: "free some space and run the command again: what was not committed was not changed",
      cause: error,
    });
  }
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return new WorkspaceError(
      `the workspace ${path} is busy: another evcred has held it for more than 5 seconds`,
      { hint: "wait for the other command to finish, then run this one again", cause: error },
    );
  }
  if (code.startsWith("SQLITE_IOERR")) {
    return new WorkspaceError(`cannot read or write the workspace ${path}: ${reason}`, {
      hint: "check the disk; what was not committed was not changed",
      cause: error,
    });
  }
  return undefined;
}

export function readOnly(path: string, reason: string, cause?: unknown): WorkspaceError {
  return new WorkspaceError(`cannot write to the workspace ${path}: ${reason}`, {
    hint: "evcred writes the file and, next to it, its -wal and -shm files: make the file and its folder writable, or copy the workspace somewhere writable",
    cause,
  });
}
