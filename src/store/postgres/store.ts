/**
 * The PostgreSQL store: a pool of connections to one database that several machines share
 * (laptops, `serve`s). Opening it migrates under an advisory lock (`migrate.ts`) and refuses a
 * database a newer evcred wrote. Transactions are READ COMMITTED; the queries that must hold
 * under concurrency take their own row or advisory locks. Errors name the server and the
 * database, never the password.
 */
import { DrizzleQueryError, eq } from "drizzle-orm";
import { drizzle, type NodePgQueryResultHKT } from "drizzle-orm/node-postgres";
import type { PgDatabase } from "drizzle-orm/pg-core";
import pg from "pg";
import { ExitCode, WorkspaceError } from "../../errors.js";
import type { AuditQueries, EventQueries } from "../queries/events.js";
import type { MetaQueries, Queries, Store } from "../store.js";
import { PgAudit, PgEvents } from "./events.js";
import { PgVenueKeys } from "./venue-keys.js";
import type { VenueKeyQueries } from "../queries/venue-keys.js";
import type { LinkQueries } from "../queries/links.js";
import type { AttendeeQueries } from "../queries/attendees.js";
import type { LoginQueries } from "../queries/logins.js";
import type { DeliveryQueries } from "../queries/deliveries.js";
import { PgAttendees } from "./attendees.js";
import { PgLogins } from "./logins.js";
import { PgDeliveries } from "./deliveries.js";
import { PgStats } from "./stats.js";
import type { StatsQueries } from "../queries/stats.js";
import type { CampaignQueries } from "../queries/campaigns.js";
import type { LedgerQueries } from "../queries/ledger.js";
import { PgCampaigns } from "./campaigns.js";
import { PgLedger } from "./ledger.js";
import { PgLinks } from "./links.js";
import { migratePostgres, postgresSchemaState } from "./migrate.js";
import * as schema from "./schema.js";
import { postgresTarget, reasonOf, withoutPassword } from "./url.js";

/** A database handle: the pool's, or one transaction's. */
export type PgDb = PgDatabase<NodePgQueryResultHKT, typeof schema>;

const CONNECT_TIMEOUT_MS = 5_000;
/** Connections per process: enough for `serve`'s parallel logins, few enough for many machines. */
const POOL_SIZE = 10;

/** What the PostgreSQL queries run on; `use` turns a lost server into an error naming it. */
export class PgConnection {
  readonly db: PgDb;
  readonly #store: PostgresStore;

  constructor(db: PgDb, store: PostgresStore) {
    this.db = db;
    this.#store = store;
  }

  async use<T>(fn: (db: PgDb) => Promise<T>): Promise<T> {
    try {
      return await fn(this.db);
    } catch (error) {
      const cause = driverError(error);
      throw this.#store.failure(cause) ?? cause;
    }
  }
}

function queriesOn(c: PgConnection): Queries {
  return {
    meta: new PgMeta(c),
    events: new PgEvents(c),
    audit: new PgAudit(c),
    venueKeys: new PgVenueKeys(c),
    links: new PgLinks(c),
    attendees: new PgAttendees(c),
    logins: new PgLogins(c),
    deliveries: new PgDeliveries(c),
    stats: new PgStats(c),
    campaigns: new PgCampaigns(c),
    ledger: new PgLedger(c),
  };
}

export class PostgresStore implements Store {
  readonly dialect = "postgres" as const;
  readonly location: string;
  readonly pool: pg.Pool;
  readonly db: PgDb;
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
  readonly #url: string;
  readonly #outside: PgConnection;

  constructor(url: string, pool: pg.Pool) {
    this.#url = url;
    this.location = postgresTarget(url);
    this.pool = pool;
    this.db = drizzle({ client: pool, schema });
    this.#outside = new PgConnection(this.db, this);
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

  get connection(): PgConnection {
    return this.#outside;
  }

  async transaction<T>(fn: (tx: Queries) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction(async (tx) => fn(queriesOn(new PgConnection(tx, this))));
    } catch (error) {
      const cause = driverError(error);
      throw this.failure(cause) ?? cause;
    }
  }

  bindLegacySeals(): Promise<number> {
    return Promise.resolve(0);
  }

  /**
   * A deleted or updated row stays in its page until VACUUM reclaims it: the old seals and
   * hashes of the attendees table are vacuumed away now rather than whenever autovacuum runs.
   */
  async scrub(): Promise<boolean> {
    try {
      await this.pool.query("VACUUM attendees");
      return true;
    } catch {
      return false;
    }
  }

  async answers(): Promise<boolean> {
    try {
      await this.pool.query("SELECT 1 FROM events LIMIT 1");
      return true;
    } catch {
      return false;
    }
  }

  /** The server keeps its own pages sound (checksums, WAL); a workspace has no check of its own. */
  damage(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  /** The server gone or refusing: one error naming it; anything else is left as it is. */
  failure(error: unknown): WorkspaceError | undefined {
    if (error instanceof WorkspaceError) return error;
    if (!isConnectionError(error)) return undefined;
    return new WorkspaceError(
      `lost the PostgreSQL workspace at ${this.location}: ${withoutPassword(reasonOf(error), this.#url)}`,
      {
        hint: "check that the server runs and this machine reaches it; what was not committed was not changed",
        cause: error,
      },
    );
  }
}

/**
 * The driver's own error under drizzle's wrapper: the wrapper's message carries the query's
 * parameters (hashes, seals, emails), which must not reach a message or a log.
 */
export function driverError(error: unknown): unknown {
  return error instanceof DrizzleQueryError && error.cause !== undefined ? error.cause : error;
}

/** A unique constraint refused the write (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  const cause = driverError(error);
  return cause instanceof Error && (cause as { code?: unknown }).code === "23505";
}

/** Network errors, and SQLSTATE classes 08 (connection) and 57 (operator intervention). */
function isConnectionError(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string") return /Connection terminated/i.test(error.message);
  return (
    /^(08|57)/.test(code) ||
    /^E(CONNREFUSED|CONNRESET|NOTFOUND|TIMEDOUT|PIPE|HOSTUNREACH)$/.test(code)
  );
}

class PgMeta implements MetaQueries {
  readonly #c: PgConnection;

  constructor(c: PgConnection) {
    this.#c = c;
  }

  get(key: string): Promise<string | undefined> {
    return this.#c.use(async (db) => {
      const [row] = await db
        .select({ value: schema.meta.value })
        .from(schema.meta)
        .where(eq(schema.meta.key, key));
      return row?.value;
    });
  }

  async set(key: string, value: string): Promise<void> {
    await this.#c.use((db) =>
      db
        .insert(schema.meta)
        .values({ key, value })
        .onConflictDoUpdate({ target: schema.meta.key, set: { value } }),
    );
  }

  async add(key: string, value: string): Promise<void> {
    await this.#c.use((db) => db.insert(schema.meta).values({ key, value }).onConflictDoNothing());
  }
}

export interface PostgresOpenOptions {
  url: string;
  /** What the server's activity view shows for this process's connections. */
  applicationName: string;
}

/** Connects to the database at `url` and brings it to this build's schema. */
export async function openPostgresStore(options: PostgresOpenOptions): Promise<PostgresStore> {
  const { url } = options;
  const target = postgresTarget(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: options.applicationName,
  });
  // An idle connection the server drops reports here; the next query reports it to its caller.
  pool.on("error", () => undefined);
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new WorkspaceError(
      `cannot connect to PostgreSQL at ${target}: ${withoutPassword(reasonOf(error), url)}`,
      {
        hint: "check the URL's host, port, user, password and database, and that the server runs and accepts this machine (`evcred doctor` checks it)",
        cause: error,
      },
    );
  }
  try {
    const state = await postgresSchemaState(client);
    if (state.applied !== null && state.applied > state.known) {
      throw new WorkspaceError(`the PostgreSQL workspace ${target} was written by a newer evcred`, {
        exitCode: ExitCode.failed,
        hint: "upgrade evcred (npm install -g evcred@latest) to open it",
      });
    }
    if (state.pending > 0) await migratePostgres(client);
  } catch (error) {
    client.release();
    await pool.end().catch(() => undefined);
    if (error instanceof WorkspaceError) throw error;
    throw new WorkspaceError(
      `cannot prepare the PostgreSQL workspace ${target}: ${withoutPassword(reasonOf(error), url)}`,
      { hint: "the database's owner must be able to create tables in it", cause: error },
    );
  }
  client.release();
  return new PostgresStore(url, pool);
}
