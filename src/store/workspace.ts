/**
 * Opening a workspace: one SQLite file, created 0600, in WAL mode with a busy timeout, migrated
 * to the schema this build knows. The master key is loaded on first need and checked against the
 * key id the workspace recorded, so a wrong key is an error, never garbage.
 */
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { accessSync, constants, existsSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { foldText } from "../domain/text-fold.js";
import { errorCode, ExitCode, KeyError, WorkspaceError } from "../errors.js";
import { packageFile } from "../package-root.js";
import { loadMasterKey } from "../vault/master-key.js";
import type { Vault } from "../vault/vault.js";
import { readOnly, storeFailure } from "./failures.js";
import { bindLegacySeals, SEALS_BOUND_META } from "./seal-binding.js";
import * as schema from "./schema.js";

export type Db = BetterSQLite3Database<typeof schema>;

/** Where a rotated workspace keeps its hash key, sealed (see `Vault.sealHashKeyFor`). */
export const HASH_KEY_META = "hash_key";
const MIGRATIONS = packageFile("src", "store", "migrations");
const BUSY_TIMEOUT_MS = 5_000;

export interface OpenOptions {
  path: string;
  keyPath: string;
  /**
   * Refuse a workspace that does not exist yet instead of creating it: a command that only reads
   * must not leave an empty `evcred.db` in whatever folder it was run in.
   */
  mustExist?: boolean;
}

export class Workspace {
  readonly path: string;
  readonly sqlite: Database.Database;
  readonly db: Db;
  readonly #keyPath: string;
  #vault: Vault | undefined;
  #metaValue: Database.Statement<[string], string> | undefined;

  constructor(path: string, sqlite: Database.Database, keyPath: string) {
    this.path = path;
    this.sqlite = sqlite;
    this.db = drizzle(sqlite, { schema });
    this.#keyPath = keyPath;
    // SQLite's lower() knows only ASCII: searches compare evcred_fold(text), without accents.
    sqlite.function("evcred_fold", { deterministic: true }, (text: unknown) =>
      typeof text === "string" ? foldText(text) : text,
    );
  }

  /**
   * The vault for this workspace's key. A workspace that has no key recorded yet adopts the key
   * file (creating it if missing); one that has refuses any other key.
   */
  vault(): Vault {
    if (this.#vault) return this.#vault;
    const recorded = this.getMeta("key_id");
    const vault = loadMasterKey(this.#keyPath, {
      create: recorded === undefined,
      expectId: recorded,
    });
    if (recorded === undefined) {
      this.setMeta("key_id", vault.keyId);
    } else if (recorded !== vault.keyId) {
      throw new KeyError(
        `the master key ${vault.keyPath} (id ${vault.keyId}) is not this workspace's key (id ${recorded})`,
        { hint: "set EVCRED_KEY_FILE to the key file this workspace was created with" },
      );
    }
    // A rotated workspace keeps the hash key its hashes were made with, sealed under this key.
    const hashKey = this.getMeta(HASH_KEY_META);
    if (hashKey !== undefined) vault.adoptHashKey(Buffer.from(hashKey, "base64"));
    if (this.getMeta(SEALS_BOUND_META) !== "email") bindLegacySeals(this.sqlite, vault);
    this.#vault = vault;
    return vault;
  }

  /**
   * The vault, for a long-running process (`serve`): when another process rotated the key since
   * it was loaded, the new key file is loaded instead of failing every write.
   */
  currentVault(): Vault {
    if (this.#vault && this.getMeta("key_id") !== this.#vault.keyId) this.#vault = undefined;
    return this.vault();
  }

  /** After a key rotation: the next `vault()` loads the key file again. */
  forgetVault(): void {
    this.#vault = undefined;
  }

  /**
   * Runs `fn` in one write transaction that takes the write lock up front. If this command
   * loaded the key and the workspace has been re-keyed since (`evcred key rotate` in another
   * process), nothing is written: what it would seal or fingerprint would be under the old key.
   */
  transaction<T>(fn: () => T): T {
    return this.sqlite
      .transaction(() => {
        const loaded = this.#vault;
        if (loaded && this.getMeta("key_id") !== loaded.keyId) {
          throw new KeyError(
            "the master key was rotated while this command ran; nothing of this step was written",
            {
              hint: "run the command again: it picks up the new key",
            },
          );
        }
        return fn();
      })
      .immediate();
  }

  /**
   * After codes were re-sealed, replaced or deleted: rebuilds the file (VACUUM, so no free page
   * keeps an old copy) and empties the WAL into it, truncated to nothing (old frames hold old
   * copies too). False when it could not (another connection kept the file busy): what was
   * done before it is committed, so this never fails the command.
   */
  scrub(): boolean {
    try {
      this.sqlite.exec("VACUUM");
      const [result] = this.sqlite.pragma("wal_checkpoint(TRUNCATE)") as { busy: number }[];
      return result?.busy === 0;
    } catch {
      return false;
    }
  }

  getMeta(key: string): string | undefined {
    // Plain and prepared once: every write transaction of a sending run checks the key id.
    this.#metaValue ??= this.sqlite
      .prepare<[string], string>("SELECT value FROM meta WHERE key = ?")
      .pluck();
    return this.#metaValue.get(key);
  }

  setMeta(key: string, value: string): void {
    this.db
      .insert(schema.meta)
      .values({ key, value })
      .onConflictDoUpdate({ target: schema.meta.key, set: { value } })
      .run();
  }

  close(): void {
    if (this.sqlite.open) this.sqlite.close();
  }
}

/**
 * A query built once per workspace, for the hot paths (each login runs several): drizzle builds
 * the SQL and SQLite parses it only the first time, instead of on every call. `build` uses
 * `sql.placeholder` for what varies and ends with `.prepare()`.
 */
export function preparedFor<T>(build: (ws: Workspace) => T): (ws: Workspace) => T {
  const made = new WeakMap<Workspace, T>();
  return (ws) => {
    let query = made.get(ws);
    if (query === undefined) {
      query = build(ws);
      made.set(ws, query);
    }
    return query;
  };
}

/** Opens (creating if missing) the workspace at `path`, migrated to the current schema. */
export function openWorkspace(options: OpenOptions): Workspace {
  const path = resolve(options.path);
  if (options.mustExist === true && !existsSync(path)) throw noWorkspace(path);
  createFileIfMissing(path);
  assertWritable(path);
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw notAWorkspace(path, error);
  }
  try {
    // Before the first write (WAL mode is written into the file): refuse what is not ours.
    assertEmptyOrEvcred(sqlite, path);
    assertSound(sqlite, path);
    assertPrivate(path);
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
    // What is deleted or overwritten (a code's old seal, hash or fingerprint) is zeroed in its
    // page, not left in free space for a scan of the file to find.
    sqlite.pragma("secure_delete = ON");
    const workspace = new Workspace(path, sqlite, options.keyPath);
    assertNotNewer(workspace, path);
    migrateOnce(workspace);
    return workspace;
  } catch (error) {
    sqlite.close();
    if (error instanceof WorkspaceError) throw error;
    throw notAWorkspace(path, error);
  }
}

function noWorkspace(path: string): WorkspaceError {
  return new WorkspaceError(`no workspace here: ${path} does not exist`, {
    exitCode: ExitCode.usage,
    hint: "make one with `evcred init` (or `evcred import FILE.csv --event SLUG`), or point --db / EVCRED_DB at an existing workspace",
  });
}

function createFileIfMissing(path: string): void {
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) {
      throw new WorkspaceError(`${path} is a folder, not a workspace file`, {
        exitCode: ExitCode.usage,
        hint: `point --db / EVCRED_DB at a file, e.g. ${resolve(path, "evcred.db")}`,
      });
    }
    return;
  }
  if (!existsSync(dirname(path))) {
    throw new WorkspaceError(
      `cannot create the workspace ${path}: folder ${dirname(path)} does not exist`,
      { exitCode: ExitCode.usage, hint: "create the folder, or point --db / EVCRED_DB elsewhere" },
    );
  }
  try {
    writeFileSync(path, "", { flag: "wx", mode: 0o600 });
  } catch (error) {
    const code = errorCode(error) ?? "";
    if (code === "EEXIST") return;
    throw new WorkspaceError(`cannot create the workspace ${path}: ${code || String(error)}`, {
      hint: "check the folder's permissions, or point --db / EVCRED_DB elsewhere",
      cause: error,
    });
  }
}

/**
 * SQLite opens a file it may not write read-only without a word, and a workspace in a read-only
 * folder cannot get its -wal and -shm files: say so before anything is tried, not halfway
 * through a command. (Root passes these checks; SQLite's own errors say the same then.)
 */
function assertWritable(path: string): void {
  for (const target of [path, dirname(path)]) {
    try {
      accessSync(target, constants.W_OK);
    } catch (error) {
      const what = target === path ? "the file" : `its folder ${target}`;
      throw readOnly(path, `${what} is read-only (${errorCode(error) ?? String(error)})`, error);
    }
  }
}

/**
 * The workspace holds every attendee's data and every sealed code: a file (or journal) others
 * may read was made by someone else's hands, and is refused rather than silently adopted — or
 * silently changed: the fix is the user's one command.
 */
function assertPrivate(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    let mode: number;
    try {
      mode = statSync(file).mode;
    } catch {
      continue; // no journal yet
    }
    if ((mode & 0o077) === 0) continue;
    throw new WorkspaceError(
      `the workspace file ${file} is open to other users (mode ${(mode & 0o777).toString(8).padStart(4, "0")}), and it holds every attendee and sealed code; nothing was changed`,
      { hint: `make it private: chmod 600 ${path}*` },
    );
  }
}

/**
 * A damaged file is refused before the first write, so evcred never builds on a broken page.
 * quick_check reads every page once: about 50 ms for 100,000 attendees.
 */
function assertSound(sqlite: Database.Database, path: string): void {
  const verdict = sqlite.pragma("quick_check(1)", { simple: true });
  if (verdict === "ok") return;
  throw new WorkspaceError(
    `the workspace ${path} is damaged (${String(verdict)}); nothing was changed`,
    {
      hint: "restore it from a backup, or open it with the sqlite3 shell's .recover to save what is left",
    },
  );
}

/** Another program's SQLite database is not migrated into a workspace: it is left untouched. */
function assertEmptyOrEvcred(sqlite: Database.Database, path: string): void {
  const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
    name: string;
  }[];
  if (tables.length === 0 || tables.some((t) => t.name === "__drizzle_migrations")) return;
  throw new WorkspaceError(`${path} is a SQLite database, but not an evcred workspace`, {
    exitCode: ExitCode.usage,
    hint: "point --db / EVCRED_DB at an evcred workspace, or at a file that does not exist yet",
  });
}

/** A database written by a newer evcred has migrations this build does not know: do not touch it. */
function assertNotNewer(workspace: Workspace, path: string): void {
  const table = workspace.sqlite
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  if (!table) return;
  const last = workspace.sqlite
    .prepare("SELECT MAX(created_at) AS at FROM __drizzle_migrations")
    .get() as { at: number | null };
  const known = Math.max(
    0,
    ...readMigrationFiles({ migrationsFolder: MIGRATIONS }).map((m) => m.folderMillis),
  );
  if (last.at !== null && last.at > known) {
    throw new WorkspaceError(`the workspace ${path} was written by a newer evcred`, {
      hint: "upgrade evcred (npm install -g evcred@latest) to open it",
    });
  }
}

/**
 * A file that is not a database at all is a wrong --db (exit 2, like any bad input); anything
 * else that stops SQLite (permissions, damage) is a failure (exit 1).
 */
function notAWorkspace(path: string, error: unknown): WorkspaceError {
  const known = storeFailure(error, path);
  if (known) return known;
  const reason = error instanceof Error ? error.message : String(error);
  const notADatabase = errorCode(error) === "SQLITE_NOTADB";
  return new WorkspaceError(`cannot open the workspace ${path}: ${reason}`, {
    exitCode: notADatabase ? ExitCode.usage : ExitCode.failed,
    hint: "is --db pointing at an evcred workspace? A damaged file can be restored from a backup",
    cause: error,
  });
}

/**
 * Brings the schema up to date. Two commands opening a new workspace at once can both see it
 * empty and race to create it; the loser finds the winner's work on a second look.
 */
function migrateOnce(workspace: Workspace): void {
  try {
    migrate(workspace.db, { migrationsFolder: MIGRATIONS });
  } catch (error) {
    if (!/already exists|database is locked|SQLITE_BUSY/i.test(String(error))) throw error;
    migrate(workspace.db, { migrationsFolder: MIGRATIONS });
  }
}
