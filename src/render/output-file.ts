/**
 * A file a flag asks evcred to write (`--rejects`, `--html`) must not be one evcred depends on:
 * the file being imported, the workspace and its journal, or the master key. Overwriting any of
 * those would lose attendees or every sealed code.
 */
import { realpathSync } from "node:fs";
import { dirname, basename, join, resolve } from "node:path";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { masterKeyPath } from "../vault/master-key.js";

export function safeOutputPath(
  ctx: Context,
  flag: string,
  given: string,
  alsoProtect: string[] = [],
): string {
  const target = real(ctx.path(given));
  const keyFile = resolve(ctx.cwd, masterKeyPath(ctx.env));
  const db = ctx.workspacePath;
  const protectedFiles = [
    ...alsoProtect.map((p) => [p, "the file being imported"] as const),
    ...[db, `${db}-wal`, `${db}-shm`, `${db}-journal`].map((p) => [p, "the workspace"] as const),
    [keyFile, "the master key"] as const,
  ];
  for (const [path, what] of protectedFiles) {
    if (real(path) === target) {
      throw new UsageError(`${flag}: ${given} is ${what}; evcred will not write over it`, {
        hint: `name another file for ${flag}`,
      });
    }
  }
  return target;
}

/** The path with symlinks resolved, as far as it exists. */
function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch {
      return resolve(path);
    }
  }
}
