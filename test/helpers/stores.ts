/**
 * The store contract suites' common ground: one suite, written once against `Store`, registered
 * for each dialect (a fresh SQLite file; a fresh PostgreSQL database, when there is a cluster),
 * with a way to put in rows the seam has no plain query for, in the dialect's own SQL.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe } from "vitest";
import type { EventValues } from "../../src/store/queries/events.js";
import { openPostgresStore } from "../../src/store/postgres/store.js";
import { openSqliteStore } from "../../src/store/sqlite/store.js";
import type { Store } from "../../src/store/store.js";
import { createTestDatabase, dropTestDatabase, PG_URL, type TestDatabase } from "./postgres.js";

/** Runs an INSERT … RETURNING id (`?` placeholders) in the store's own SQL; the id. */
export type Raw = (sql: string, params: unknown[]) => Promise<number>;

export interface ContractStores {
  /** The first of `stores`: where a single-store suite runs. */
  store: Store;
  /** `count` stores on one workspace, as many processes or machines would hold it. */
  stores: Store[];
  raw: Raw;
}

/**
 * Registers `suite` as "store contract: NAME (sqlite)" and, with a cluster, "(postgresql)".
 * The suite reads `stores()` in its hooks and tests; they are closed after it. On SQLite there
 * is always one store: two connections in one process would wait on each other synchronously,
 * so what holds across SQLite processes is proved by the fault tests' real processes.
 */
export function contractOnEachDialect(
  name: string,
  suite: (stores: () => ContractStores) => void,
  options: { stores?: number; dialects?: readonly ("sqlite" | "postgres")[] } = {},
): void {
  const dialects = options.dialects ?? ["sqlite", "postgres"];
  if (dialects.includes("sqlite")) {
    describe(`store contract: ${name} (sqlite)`, () => {
      const dir = mkdtempSync(join(tmpdir(), "evcred-contract-"));
      registered(
        suite,
        () => Promise.resolve(sqliteStores(join(dir, "evcred.db"))),
        () => {
          rmSync(dir, { recursive: true, force: true });
          return Promise.resolve();
        },
      );
    });
  }
  if (dialects.includes("postgres")) {
    describe.skipIf(PG_URL === undefined)(`store contract: ${name} (postgresql)`, () => {
      let database: TestDatabase | undefined;
      registered(
        suite,
        async () => {
          database = await createTestDatabase({ migrate: false });
          return postgresStores(database, options.stores ?? 1);
        },
        async () => {
          if (database) await dropTestDatabase(database);
        },
      );
    });
  }
}

function registered(
  suite: (stores: () => ContractStores) => void,
  open: () => Promise<ContractStores>,
  close: () => Promise<void>,
): void {
  let opened: ContractStores | undefined;
  beforeAll(async () => {
    opened = await open();
  });
  afterAll(async () => {
    for (const store of opened?.stores ?? []) await store.close();
    await close();
  });
  suite(() => {
    if (!opened) throw new Error("the stores open in beforeAll: use them in a hook or test");
    return opened;
  });
}

function sqliteStores(path: string): ContractStores {
  const store = openSqliteStore({ path, mustExist: false });
  const raw: Raw = (sql, params) => {
    const row = store.sqlite.prepare(sql).get(...params) as { id: number };
    return Promise.resolve(row.id);
  };
  return { store, stores: [store], raw };
}

async function postgresStores(database: TestDatabase, count: number): Promise<ContractStores> {
  const options = { url: database.url, applicationName: "evcred test" };
  const stores = [];
  for (let i = 0; i < count; i++) stores.push(await openPostgresStore(options));
  const [first] = stores;
  if (!first) throw new Error("no store");
  const raw: Raw = async (sql, params) => {
    let n = 0;
    const numbered = sql.replace(/\?/g, () => `$${++n}`);
    const result = await first.pool.query<{ id: number }>(numbered, params);
    return result.rows[0]?.id ?? 0;
  };
  return { store: first, stores, raw };
}

/** An event's values, all optional parts empty. */
export function eventValues(slug: string, createdAt: string): EventValues {
  return {
    slug,
    name: `Event ${slug}`,
    startsAt: null,
    loginUrl: null,
    fromAddress: null,
    codeLength: 10,
    tokenAudience: null,
    tokenTtlSeconds: null,
    tokenSecretFile: null,
    venueUrl: null,
    createdAt,
    timezone: null,
    locale: "en",
  };
}
