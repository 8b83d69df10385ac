/**
 * The master key: 32 random bytes in a file outside the workspace, base64 on one line. Everything
 * that needs key material gets a `Vault` built from it; the raw key never leaves this module.
 *
 * A key file is only ever created whole: written aside, flushed, then linked into place, so a
 * crash leaves either no key or the complete one — never an empty file that no command accepts.
 * A rotation (see `domain/key-rotation.ts`) stages the next key as `KEY.new-<id>`, keeps the
 * current one as `KEY.old-<id>`, and renames the staged key over `KEY` only after the workspace
 * committed to it; a workspace that recorded a staged key's id finishes that rename itself.
 */
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { errorCode, errorReason, KeyError } from "../errors.js";
import { Vault } from "./vault.js";

const KEY_BYTES = 32;

export function masterKeyPath(env: NodeJS.ProcessEnv): string {
  if (env.EVCRED_KEY_FILE) return env.EVCRED_KEY_FILE;
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(config, "evcred", "master.key");
}

export interface LoadOptions {
  /** Create the key when the file is missing (a workspace that has recorded no key yet). */
  create: boolean;
  /** The key id the workspace recorded: another key is refused, a staged one is promoted. */
  expectId?: string | undefined;
}

/** Loads the key at `path`, creating it (mode 0600, folder 0700) when `create` and it is missing. */
export function loadMasterKey(path: string, options: LoadOptions): Vault {
  const { expectId } = options;
  assertPrivateFolder(dirname(path));
  // A rotation that committed but stopped before its last rename: the workspace names the
  // staged key. Finish the rename, so the key file and the workspace agree again — only over a
  // key that the rotation kept (or none): a key file nobody backed up is never replaced.
  if (expectId !== undefined && existsSync(stagedKeyPath(path, expectId))) {
    const current = isMissing(path) ? null : idOf(path);
    const kept =
      current === null || (current !== undefined && existsSync(previousKeyPath(path, current)));
    if (current !== expectId && kept) {
      const staged = readKey(stagedKeyPath(path, expectId));
      if (staged.keyId === expectId) {
        promoteStagedKey(path, expectId);
        return new Vault(staged.key, path);
      }
    }
  }
  let vault: Vault;
  if (isMissing(path)) {
    if (!options.create) {
      throw new KeyError(`no master key at ${path}`, {
        hint: "run `evcred init` to create one, or set EVCRED_KEY_FILE to the key's file",
      });
    }
    vault = createKey(path);
  } else {
    vault = new Vault(readKey(path).key, path);
  }
  if (expectId !== undefined && vault.keyId !== expectId) {
    const previous = previousKeyPath(path, expectId);
    throw new KeyError(
      `the master key ${path} (id ${vault.keyId}) is not this workspace's key (id ${expectId})`,
      {
        hint: existsSync(previous)
          ? `the key was rotated by another workspace; this one still uses the previous key: set EVCRED_KEY_FILE=${previous}`
          : "set EVCRED_KEY_FILE to the key file this workspace was created with",
      },
    );
  }
  return vault;
}

/** `KEY.new-<id>`: a rotation's next key, until the workspace has committed to it. */
export function stagedKeyPath(path: string, keyId: string): string {
  return `${path}.new-${keyId}`;
}

/** `KEY.old-<id>`: the key a rotation replaced, kept for other workspaces and older backups. */
export function previousKeyPath(path: string, keyId: string): string {
  return `${path}.old-${keyId}`;
}

/**
 * A fresh key for a rotation of the key at `path`, written whole as `KEY.new-<id>` (0600); its
 * vault already names `path`, where it will live.
 */
export function stageNewKey(path: string): Vault {
  const key = randomBytes(KEY_BYTES);
  const vault = new Vault(key, path);
  writeKeyFile(stagedKeyPath(path, vault.keyId), key);
  return vault;
}

/**
 * Keeps the key now at `path` (the one `current` was loaded from) as `KEY.old-<id>`, a second
 * name for the same 0600 file, before anything is sealed under another key. Returns that path.
 */
export function keepCurrentKey(current: Vault): string {
  const kept = previousKeyPath(current.keyPath, current.keyId);
  if (existsSync(kept)) return kept;
  try {
    linkSync(current.keyPath, kept);
  } catch {
    // A file system without hard links: a copy of the same bytes, written whole.
    writeKeyFile(kept, readKey(current.keyPath).key);
  }
  syncFolder(dirname(kept));
  return kept;
}

/**
 * Removes a staged `KEY.new-<id>` whose rotation committed nothing (it lost the race to another
 * rotation, say): nothing is sealed under it, and a key file left over only confuses.
 */
export function discardStagedKey(path: string, keyId: string): void {
  try {
    unlinkSync(stagedKeyPath(path, keyId));
  } catch {
    // already gone
  }
}

/** The staged key `KEY.new-<id>` becomes `KEY`: one atomic rename, then the folder flushed. */
export function promoteStagedKey(path: string, keyId: string): void {
  try {
    renameSync(stagedKeyPath(path, keyId), path);
  } catch (error) {
    // Another evcred that opened the workspace after the commit finished this rename itself (see
    // `loadMasterKey`), and maybe rotated again since, keeping this key as KEY.old-<id>: done.
    const done = idOf(path) === keyId || existsSync(previousKeyPath(path, keyId));
    if (errorCode(error) !== "ENOENT" || !done) throw error;
  }
  syncFolder(dirname(path));
}

/**
 * The key's folder holds its rotations' files too (`KEY.new-<id>`, `KEY.old-<id>`, names anyone
 * can predict from the public key id): a folder others can write lets them swap or plant those,
 * one they can read lists them. Refused either way; a missing folder is created 0700 later.
 */
function assertPrivateFolder(folder: string): void {
  let mode: number;
  try {
    mode = statSync(folder).mode;
  } catch {
    return;
  }
  if ((mode & 0o077) === 0) return;
  throw new KeyError(
    `the master key's folder ${folder} is open to other users (mode ${(mode & 0o7777).toString(8).padStart(4, "0")}), who could list, swap or plant the key's files`,
    {
      hint: `make it private with: chmod 700 ${folder} (or keep the key in a folder of its own, with EVCRED_KEY_FILE)`,
    },
  );
}

function idOf(path: string): string | undefined {
  try {
    return readKey(path).keyId;
  } catch {
    return undefined;
  }
}

function readKey(path: string): { key: Buffer; keyId: string } {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw unreadable(path, error);
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
  return { key, keyId: new Vault(key, path).keyId };
}

function createKey(path: string): Vault {
  const key = randomBytes(KEY_BYTES);
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeKeyFile(path, key);
  } catch (error) {
    throw new KeyError(`cannot create the master key at ${path}: ${errorReason(error)}`, {
      hint: "set EVCRED_KEY_FILE to a writable path",
      cause: error,
    });
  }
  return new Vault(key, path);
}

/**
 * Writes `key` to `path`, which must not exist, so that the file is never seen half written:
 * into a temporary file (0600, flushed), then linked to its name — which fails if another process
 * created the key meanwhile, as `wx` would — and the folder flushed.
 */
function writeKeyFile(path: string, key: Buffer): void {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  writeFileSync(temp, key.toString("base64") + "\n", { mode: 0o600, flag: "wx", flush: true });
  try {
    chmodSync(temp, 0o600);
    try {
      linkSync(temp, path);
    } catch (error) {
      const code = errorCode(error);
      if (code === "EEXIST" || existsSync(path)) throw error;
      renameSync(temp, path); // no hard links here: the rename is still atomic
    }
  } finally {
    if (existsSync(temp)) unlinkSync(temp);
  }
  syncFolder(dirname(path));
}

/** Makes a created or renamed name durable; some systems cannot open a folder, and that is fine. */
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, "r");
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isMissing(path: string): boolean {
  try {
    statSync(path);
    return false;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return true;
    throw unreadable(path, error);
  }
}

function unreadable(path: string, error: unknown): KeyError {
  return new KeyError(`cannot read the master key ${path}: ${errorReason(error)}`, {
    cause: error,
  });
}
