/**
 * `--token-secret-file PATH`: checked here, at the boundary — a readable file with a secret of at
 * least 32 bytes (RFC 7518's minimum for HS256) — and recorded by its absolute path. The secret
 * itself never enters the workspace; `serve` reads the file at each login.
 */
import { statSync } from "node:fs";
import type { Context } from "../../context.js";
import { readSecretFile } from "../../app/tokens.js";
import { errorReason, UsageError } from "../../errors.js";

const MIN_SECRET_BYTES = 32;

/** The absolute path to record, or null for `none` (back to EdDSA). */
export function tokenSecretFile(ctx: Context, given: string): string | null {
  if (given === "none") return null;
  const path = ctx.path(given);
  let length: number;
  try {
    length = readSecretFile(path).length;
  } catch (error) {
    throw new UsageError(`--token-secret-file: cannot read ${path} (${errorReason(error)})`);
  }
  if (length < MIN_SECRET_BYTES) {
    throw new UsageError(
      `--token-secret-file: the secret in ${path} is ${length} bytes; HS256 needs at least ${MIN_SECRET_BYTES}`,
      {
        hint: "make one with: openssl rand -base64 48 > venueless.secret && chmod 600 venueless.secret",
      },
    );
  }
  if ((statSync(path).mode & 0o077) !== 0) {
    ctx.out.warn(`${path} can be read by other users: chmod 600 it`);
  }
  return path;
}
