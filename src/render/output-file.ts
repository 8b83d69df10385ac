/**
 * A file a flag asks evcred to write (`--rejects`, `--html`) must not be one evcred depends on:
 * the file being imported, the workspace and its journal, or the master key. Overwriting any of
 * those would lose attendees or every sealed code. Files are compared by device and inode, not
 * by path, so a hard link or a symlink to the key (`KEY.old-<id>` left by a failed rotation is
 * one) is the key; a file with more than one name is refused outright. The file is then written
 * into a new temporary file (created exclusively, 0600) renamed over the name: whatever the name
 * pointed at before is never written through.
 */
import {
  closeSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import type { Context } from "../context.js";
import { errorCode, errorReason, UsageError } from "../errors.js";
import { masterKeyPath } from "../vault/master-key.js";

export function safeOutputPath(
  ctx: Context,
  flag: string,
  given: string,
  alsoProtect: string[] = [],
): string {
  const target = ctx.path(given);
  const existing = statOf(target);
  if (!existing) return target;
  const refuse = (why: string) =>
    new UsageError(`${flag}: ${given} ${why}; evcred will not write over it`, {
      hint: `name another file for ${flag}`,
    });
  if (!existing.isFile()) throw refuse("is not a regular file");
  const keyFile = ctx.path(masterKeyPath(ctx.env));
  const db = ctx.workspacePath;
  const protectedFiles = [
    ...alsoProtect.map((p) => [p, "the file being imported"] as const),
    ...[db, `${db}-wal`, `${db}-shm`, `${db}-journal`].map((p) => [p, "the workspace"] as const),
    [keyFile, "the master key"] as const,
  ];
  for (const [path, what] of protectedFiles) {
    const stats = statOf(path);
    if (stats && stats.dev === existing.dev && stats.ino === existing.ino)
      throw refuse(`is ${what}`);
  }
  if (existing.nlink > 1)
    throw refuse(`has ${existing.nlink} names (hard links), so it may be a file evcred needs`);
  return target;
}

export interface OutputFile {
  write(text: string): void;
  /** The file complete: renamed over its name. */
  commit(): void;
  /** Nothing written after all: the temporary file removed. */
  abort(): void;
}

/** Starts writing `path` (checked by `safeOutputPath`) into a temporary file beside it. */
export function createOutputFile(flag: string, path: string): OutputFile {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString("hex")}.tmp`);
  const failed = (error: unknown) =>
    new UsageError(`${flag}: cannot write ${path}: ${writeFailure(error, dirname(path))}`);
  let fd: number;
  try {
    fd = openSync(temp, "wx", 0o600);
  } catch (error) {
    throw failed(error);
  }
  let open = true;
  // Many small writes (a line per rejected row) go out in chunks.
  let pending = "";
  const flush = () => {
    if (pending) writeSync(fd, pending);
    pending = "";
  };
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  const abort = () => {
    close();
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
  };
  return {
    write(text) {
      pending += text;
      if (pending.length < 64 * 1024) return;
      try {
        flush();
      } catch (error) {
        abort();
        throw failed(error);
      }
    },
    commit() {
      try {
        flush();
        close();
        renameSync(temp, path);
      } catch (error) {
        abort();
        throw failed(error);
      }
    },
    abort,
  };
}

/** `text` written to `path` whole, as `createOutputFile` does. */
export function writeOutputFile(flag: string, path: string, text: string): void {
  const file = createOutputFile(flag, path);
  file.write(text);
  file.commit();
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Why a file could not be written, as a person says it, with the system's code. */
function writeFailure(error: unknown, folder: string): string {
  const code = errorCode(error);
  if (code === "ENOENT") return `the folder ${folder} does not exist (ENOENT)`;
  if (code === "EACCES" || code === "EPERM") return `no permission to write in ${folder} (${code})`;
  if (code === "ENOSPC") return "the disk is full (ENOSPC)";
  return errorReason(error);
}
