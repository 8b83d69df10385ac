/**
 * The master key: 32 random bytes in a file outside the workspace, base64 on one line. Everything
 * that needs key material gets a `Vault` built from it; the raw key never leaves this module.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { KeyError } from "../errors.js";
import { Vault } from "./vault.js";

const KEY_BYTES = 32;

export function masterKeyPath(env: NodeJS.ProcessEnv): string {
  if (env.EVCRED_KEY_FILE) return env.EVCRED_KEY_FILE;
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(config, "evcred", "master.key");
}

/** Loads the key at `path`, creating it (mode 0600, folder 0700) when `create` and it is missing. */
export function loadMasterKey(path: string, options: { create: boolean }): Vault {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    if (!isMissing(error)) throw unreadable(path, error);
    if (!options.create) {
      throw new KeyError(`no master key at ${path}`, {
        hint: "run `evcred init` to create one, or set EVCRED_KEY_FILE to the key's file",
      });
    }
    return createKey(path);
  }
  if (!stats.isFile()) throw new KeyError(`master key ${path} is not a file`);
  if ((stats.mode & 0o077) !== 0) {
    throw new KeyError(
      `master key ${path} is readable by others (mode ${(stats.mode & 0o777).toString(8)})`,
      { hint: `restrict it with: chmod 600 ${path}` },
    );
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw unreadable(path, error);
  }
  const key = Buffer.from(text.trim(), "base64");
  if (key.length !== KEY_BYTES || key.toString("base64") !== text.trim()) {
    throw new KeyError(`master key ${path} is not a valid evcred key (expected 32 bytes, base64)`, {
      hint: "restore the key file from your backup; a new key cannot open codes sealed with the old one",
    });
  }
  return new Vault(key, path);
}

function createKey(path: string): Vault {
  const key = randomBytes(KEY_BYTES);
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, key.toString("base64") + "\n", { mode: 0o600, flag: "wx" });
    chmodSync(path, 0o600);
  } catch (error) {
    throw new KeyError(`cannot create the master key at ${path}: ${describe(error)}`, {
      hint: "set EVCRED_KEY_FILE to a writable path",
      cause: error,
    });
  }
  return new Vault(key, path);
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "ENOENT";
}

function unreadable(path: string, error: unknown): KeyError {
  return new KeyError(`cannot read the master key ${path}: ${describe(error)}`, { cause: error });
}

function describe(error: unknown): string {
  if (error instanceof Error && "code" in error && typeof error.code === "string")
    return error.code;
  return error instanceof Error ? error.message : String(error);
}
