/**
 * The SQLite store: one file, created 0600, in WAL mode with a busy timeout, migrated to the
 * schema this build knows. One connection serves the whole process; better-sqlite3 answers
 * synchronously, and a transaction holds the connection until its callback settles, so the
 * process's other queries wait for it (`SqliteConnection.use`) instead of running inside it.
 */
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { accessSync, constants, existsSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { foldText } from "../../domain/text-fold.js";
import { errorCode, ExitCode, WorkspaceError } from "../../errors.js";
import { packageFile } from "../../package-root.js";
import type { Vault } from "../../vault/vault.js";
import { readOnly, storeFailure } from "../failures.js";
import * as schema from "../schema.js";
import type { AuditQueries, EventQueries } from "../queries/events.js";
import type { MetaQueries, Queries, Store } from "../store.js";
import { SqliteAudit, SqliteEvents } from "./events.js";
import { SqliteVenueKeys } from "./venue-keys.js";
import type { VenueKeyQueries } from "../queries/venue-keys.js";
import type { LinkQueries } from "../queries/links.js";
import type { AttendeeQueries } from "../queries/attendees.js";
import type { LoginQueries } from "../queries/logins.js";
import type { DeliveryQueries } from "../queries/deliveries.js";
import { SqliteAttendees } from "./attendees.js";
import { SqliteLogins } from "./logins.js";
import { SqliteDeliveries } from "./deliveries.js";
import { SqliteStats } from "./stats.js";
import type { StatsQueries } from "../queries/stats.js";
import type { CampaignQueries } from "../queries/campaigns.js";
import type { LedgerQueries } from "../queries/ledger.js";
import { SqliteCampaigns } from "./campaigns.js";
import { SqliteLedger } from "./ledger.js";
import { SqliteLinks } from "./links.js";
import { bindLegacySeals, SEALS_BOUND_META } from "./seal-binding.js";

export type SqliteDb = BetterSQLite3Database<typeof schema>;

const MIGRATIONS = packageFile("src", "store", "migrations");
const BUSY_TIMEOUT_MS = 5_000;

/**
 * What the SQLite queries run on. `use` runs `fn` once no transaction holds the connection (or
 * at once, for the transaction's own queries), and turns what SQLite says about the file itself
 * (busy, full, read-only, damaged) into an error naming it.
 */
export class SqliteConnection {
  readonly sqlite: Database.Database;
  readonly db: SqliteDb;
  readonly path: string;
  /** What to wait for before using the connection: the open transaction's end, or nothing. */
  readonly #busy: () => Promise<void> | undefined;

  constructor(
    path: string,
    sqlite: Database.Database,
    db: SqliteDb,
    busy: () => Promise<void> | undefined,
  ) {
    this.path = path;
    this.sqlite = sqlite;
    this.db = db;
    this.#busy = busy;
  }

  async use<T>(fn: (c: SqliteConnection) => T): Promise<T> {
    // Checked and run in one tick: a transaction begun in between would otherwise take it in.
    for (let wait = this.#busy(); wait !== undefined; wait = this.#busy()) await wait;
    try {
      return fn(this);
    } catch (error) {
      throw storeFailure(error, this.path) ?? error;
    }
  }

  /**
   * A statement built once per connection, for the hot paths: drizzle builds the SQL and SQLite
   * parses it only the first time.
   */
  prepared<T>(key: object, build: (c: SqliteConnection) => T): T {
    let made = this.#prepared.get(key) as T | undefined;
    if (made === undefined) {
      made = build(this);
      this.#prepared.set(key, made);
    }
    return made;
  }

  readonly #prepared = new Map<object, unknown>();
}

/** The query groups on one connection: the store's own, or its transaction's. */
function queriesOn(c: SqliteConnection): Queries {
  return {
    meta: new SqliteMeta(c),
    events: new SqliteEvents(c),
    audit: new SqliteAudit(c),
    venueKeys: new SqliteVenueKeys(c),
    links: new SqliteLinks(c),
    attendees: new SqliteAttendees(c),
    logins: new SqliteLogins(c),
    deliveries: new SqliteDeliveries(c),
    stats: new SqliteStats(c),
    campaigns: new SqliteCampaigns(c),
    ledger: new SqliteLedger(c),
  };
}

/**
 * The transaction open on each workspace file in this process, if any; settles when it ends.
 * Shared by every connection to the file (a test's in-process commands each open their own):
 * better-sqlite3 waits for SQLite's write lock synchronously, so a second connection asking for
 * it while this process's own transaction awaits would block the very thread that would end it.
 * Here it waits its turn instead; other processes wait on the lock itself (the busy timeout).
 */
const openTransactions = new Map<string, Promise<void>>();

export class SqliteStore implements Store {
  readonly dialect = "sqlite" as const;
  readonly location: string;
  readonly sqlite: Database.Database;
  readonly db: SqliteDb;
  readonly meta: MetaQueries;
  readonly events: EventQueries;
  readonly audit: AuditQueries;
  readonly venueKeys: VenueKeyQueries;
  readonly links: LinkQueries;
  readonly attendees: AttendeeQueries;
  readonly logins: LoginQueries;
  readonly deliveries: DeliveryQueries;
  readonly stats: StatsQueries;
  readonly campaigns: CampaignQueries;
  readonly ledger: LedgerQueries;
  readonly #outside: SqliteConnection;
  readonly #inside: Queries;

  constructor(path: string, sqlite: Database.Database) {
    this.location = path;
    this.sqlite = sqlite;
    this.db = drizzle(sqlite, { schema });
    // SQLite's lower() knows only ASCII: searches compare evcred_fold(text), without accents.
    sqlite.function("evcred_fold", { deterministic: true }, (text: unknown) =>
      typeof text === "string" ? foldText(text) : text,
    );
    this.#outside = new SqliteConnection(path, sqlite, this.db, () => openTransactions.get(path));
    const own = new SqliteConnection(path, sqlite, this.db, () => undefined);
    this.#inside = queriesOn(own);
    const queries = queriesOn(this.#outside);
    this.meta = queries.meta;
    this.events = queries.events;
    this.audit = queries.audit;
    this.venueKeys = queries.venueKeys;
    this.links = queries.links;
    this.attendees = queries.attendees;
    this.logins = queries.logins;
    this.deliveries = queries.deliveries;
    this.stats = queries.stats;
    this.campaigns = queries.campaigns;
    this.ledger = queries.ledger;
  }

  /** The connection outside any transaction, for this dialect's own query groups. */
  get connection(): SqliteConnection {
    return this.#outside;
  }

  async #idle(): Promise<void> {
    for (let open = this.#open(); open; open = this.#open()) await open;
  }

  #open(): Promise<void> | undefined {
    return openTransactions.get(this.location);
  }

  async transaction<T>(fn: (tx: Queries) => Promise<T>): Promise<T> {
    // The wait and the taking of the file are one tick apart from nothing.
    for (let open = this.#open(); open; open = this.#open()) await open;
    let end = (): void => undefined;
    openTransactions.set(this.location, new Promise<void>((settle) => (end = settle)));
    try {
      try {
        this.sqlite.exec("BEGIN IMMEDIATE");
      } catch (error) {
        throw storeFailure(error, this.location) ?? error;
      }
      try {
        const result = await fn(this.#inside);
        this.sqlite.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.sqlite.inTransaction) this.sqlite.exec("ROLLBACK");
        throw storeFailure(error, this.location) ?? error;
      }
    } finally {
      openTransactions.delete(this.location);
      end();
    }
  }

  async bindLegacySeals(vault: Vault): Promise<number> {
    if ((await this.meta.get(SEALS_BOUND_META)) === "email") return 0;
    return this.#outside.use((c) => bindLegacySeals(c.sqlite, vault));
  }

  /**
   * Rebuilds the file (VACUUM, so no free page keeps an old copy) and empties the WAL into it,
   * truncated to nothing (old frames hold old copies too).
   */
  async scrub(): Promise<boolean> {
    await this.#idle();
    try {
      this.sqlite.exec("VACUUM");
      const [result] = this.sqlite.pragma("wal_checkpoint(TRUNCATE)") as { busy: number }[];
      return result?.busy === 0;
    } catch {
      return false;
    }
  }

  async answers(): Promise<boolean> {
    try {
      await this.#outside.use((c) => c.sqlite.prepare("SELECT 1 FROM events LIMIT 1").all());
      return true;
    } catch {
      return false;
    }
  }

  damage(): Promise<string | undefined> {
    return this.#outside.use((c) => {
      const check = c.sqlite.pragma("quick_check", { simple: true }) as string;
      return check === "ok" ? undefined : check;
    });
  }

  close(): Promise<void> {
    if (this.sqlite.open) this.sqlite.close();
    return Promise.resolve();
  }
}

class SqliteMeta implements MetaQueries {
  readonly #c: SqliteConnection;

  constructor(c: SqliteConnection) {
    this.#c = c;
  }

  get(key: string): Promise<string | undefined> {
    // Plain and prepared once: every write transaction of a sending run checks the key id.
    return this.#c.use((c) =>
      c
        .prepared(SqliteMeta, (p) =>
          p.sqlite.prepare<[string], string>("SELECT value FROM meta WHERE key = ?").pluck(),
        )
        .get(key),
    );
  }

  async set(key: string, value: string): Promise<void> {
    await this.#c.use((c) =>
      c.db
        .insert(schema.meta)
        .values({ key, value })
        .onConflictDoUpdate({ target: schema.meta.key, set: { value } })
        .run(),
    );
  }

  async add(key: string, value: string): Promise<void> {
    await this.#c.use((c) =>
      c.db.insert(schema.meta).values({ key, value }).onConflictDoNothing().run(),
    );
  }
}

export interface SqliteOpenOptions {
  path: string;
  /** Refuse a file that does not exist yet instead of creating it. */
  mustExist: boolean;
}

/** Opens (creating if missing) the workspace file at `path`, migrated to the current schema. */
export function openSqliteStore(options: SqliteOpenOptions): SqliteStore {
  const path = resolve(options.path);
  if (options.mustExist && !existsSync(path)) throw noWorkspace(path);
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
    const store = new SqliteStore(path, sqlite);
    assertNotNewer(sqlite, path);
    migrateOnce(store.db);
    return store;
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
function assertNotNewer(sqlite: Database.Database, path: string): void {
  const table = sqlite
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  if (!table) return;
  const last = sqlite.prepare("SELECT MAX(created_at) AS at FROM __drizzle_migrations").get() as {
    at: number | null;
  };
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
function migrateOnce(db: SqliteDb): void {
  try {
    migrate(db, { migrationsFolder: MIGRATIONS });
  } catch (error) {
    if (!/already exists|database is locked|SQLITE_BUSY/i.test(String(error))) throw error;
    migrate(db, { migrationsFolder: MIGRATIONS });
  }
}
