/**
 * A real PostgreSQL for the tests: the cluster .ci/postgres started (`npm run test:pg`, and
 * .ci/run) hands its URL over in EVCRED_TEST_PG_URL. Each test file gets a database of its
 * own, made fresh (CREATE DATABASE with a random name) and dropped after, so files running side
 * by side never see each other's rows. Without the URL the PostgreSQL tests are skipped on a
 * developer's machine, and fail under CI: a CI run that silently skipped them would pass
 * without testing the dialect at all.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe } from "vitest";
import { migratePostgres } from "../../src/store/postgres/migrate.js";

/** The cluster's URL, or undefined when there is none and that is allowed (not CI). */
export const PG_URL = testPostgresUrl(process.env);

/** EVCRED_TEST_PG_URL; without it undefined, or under CI (CI=true) an error. */
export function testPostgresUrl(env: NodeJS.ProcessEnv): string | undefined {
  const url = env.EVCRED_TEST_PG_URL;
  if (url !== undefined && url !== "") return url;
  if (env.CI === "true") {
    throw new Error(
      "EVCRED_TEST_PG_URL is not set, and CI=true: the PostgreSQL tests must run in CI (run the tests under `bash .ci/postgres run …`, as .ci/run does)",
    );
  }
  return undefined;
}

/** `describe`, skipped when there is no PostgreSQL to test against (outside CI only). */
export const describePostgres = describe.skipIf(PG_URL === undefined);

/** A test database as a URL names it: for the commands, which open their own connections. */
export interface NamedDatabase {
  /** The database's name (random, `evcred_test_…`). */
  readonly name: string;
  /** A URL for it: the cluster's, with this database in place of the cluster's own. */
  readonly url: string;
}

export interface TestDatabase extends NamedDatabase {
  /** A pool on it, ended after the file's tests. */
  readonly pool: pg.Pool;
}

export interface DatabaseOptions {
  /** Apply the PostgreSQL migrations (default), or leave the database empty. */
  migrate?: boolean;
}

/**
 * A fresh database for this file's tests (call at a describe's top level): made before them,
 * dropped after them. Read its fields in hooks and tests, not at collection time.
 */
export function useTestDatabase(options: DatabaseOptions = {}): TestDatabase {
  let made: TestDatabase | undefined;
  beforeAll(async () => {
    made = await createTestDatabase(options);
  });
  afterAll(async () => {
    if (made) await dropTestDatabase(made);
  });
  const current = (): TestDatabase => {
    if (!made) throw new Error("the test database is made in beforeAll: use it in a test or hook");
    return made;
  };
  return {
    get name() {
      return current().name;
    },
    get url() {
      return current().url;
    },
    get pool() {
      return current().pool;
    },
  };
}

export async function createTestDatabase(options: DatabaseOptions = {}): Promise<TestDatabase> {
  const made = await makeDatabase(options.migrate !== false);
  return { ...made, pool: new pg.Pool({ connectionString: made.url, max: 5 }) };
}

/**
 * A migrated database with no connection left on it: used through its URL, or as the template
 * of others (`cloneTestDatabase`), which must have none.
 */
export function createNamedDatabase(): Promise<NamedDatabase> {
  return makeDatabase(true);
}

/** A fresh database copied from `template` (a migrated test database with no connections). */
export async function cloneTestDatabase(template: string): Promise<NamedDatabase> {
  const name = freshName();
  // Both names are ours and made of [a-z0-9_]: no injection through them.
  await withClient(requireUrl(), (client) =>
    client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`),
  );
  return { name, url: databaseUrl(requireUrl(), name) };
}

/** Drops a test database (its pool ended first, when it has one). */
export async function dropTestDatabase(
  database: NamedDatabase & { pool?: pg.Pool },
): Promise<void> {
  await database.pool?.end();
  // FORCE (PostgreSQL 13+): a connection a test left open (a spawned CLI, a server) does not
  // keep the database, or this file's run, alive.
  await withClient(requireUrl(), (client) =>
    client.query(`DROP DATABASE IF EXISTS ${database.name} WITH (FORCE)`),
  );
}

async function makeDatabase(migrate: boolean): Promise<NamedDatabase> {
  const name = freshName();
  // The name is ours and made of [a-z0-9_]: no injection through it.
  await withClient(requireUrl(), (client) => client.query(`CREATE DATABASE ${name}`));
  const url = databaseUrl(requireUrl(), name);
  if (migrate) await withClient(url, migratePostgres);
  return { name, url };
}

function freshName(): string {
  return `evcred_test_${randomBytes(6).toString("hex")}`;
}

/** `url` with its database (the path) replaced by `name`; user, password, host and port kept. */
export function databaseUrl(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function requireUrl(): string {
  if (PG_URL === undefined) throw new Error("no PostgreSQL: EVCRED_TEST_PG_URL is not set");
  return PG_URL;
}
