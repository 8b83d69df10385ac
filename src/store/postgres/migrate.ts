/**
 * Bringing a PostgreSQL workspace to the schema this build knows, and telling which schema it
 * has. Several machines share one database, so two of them (two `serve`s starting together, a
 * laptop's first command) may migrate at once: each does it under one advisory lock, and the
 * later one finds the work done.
 */
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { readMigrationFiles } from "drizzle-orm/migrator";
import type { Client, PoolClient } from "pg";
import { packageFile } from "../../package-root.js";

export const POSTGRES_MIGRATIONS = packageFile("src", "store", "postgres", "migrations");

/** Where drizzle's node-postgres migrator records what it applied (its defaults). */
const MIGRATIONS_SCHEMA = "drizzle";
const MIGRATIONS_TABLE = "__drizzle_migrations";

/** pg_advisory_lock's key for migrating: any constant, the same in every evcred ("evcred" in ASCII). */
const MIGRATION_LOCK = 0x657663726564;

export interface SchemaState {
  /** The last applied migration's time (drizzle's `created_at`); null for a database with none. */
  applied: number | null;
  /** The newest migration this build ships. */
  known: number;
  /** How many of this build's migrations the database lacks. */
  pending: number;
}

/**
 * Applies the migrations this build has and the database lacks, on `client` (one connection:
 * the advisory lock is the session's), all in one transaction.
 */
export async function migratePostgres(client: Client | PoolClient): Promise<void> {
  await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
  try {
    await migrate(drizzle({ client }), { migrationsFolder: POSTGRES_MIGRATIONS });
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
  }
}

/** Which schema the database has, against the one this build knows: newer means refuse it. */
export async function postgresSchemaState(client: Client | PoolClient): Promise<SchemaState> {
  const shipped = readMigrationFiles({ migrationsFolder: POSTGRES_MIGRATIONS }).map(
    (m) => m.folderMillis,
  );
  const known = Math.max(0, ...shipped);
  const table = await client.query<{ found: string | null }>("SELECT to_regclass($1) AS found", [
    `${MIGRATIONS_SCHEMA}.${MIGRATIONS_TABLE}`,
  ]);
  let applied: number | null = null;
  if (table.rows[0]?.found != null) {
    const last = await client.query<{ at: string | null }>(
      `SELECT MAX(created_at)::text AS at FROM ${MIGRATIONS_SCHEMA}.${MIGRATIONS_TABLE}`,
    );
    const at = last.rows[0]?.at;
    applied = at == null ? null : Number(at);
  }
  const pending = shipped.filter((at) => applied === null || at > applied).length;
  return { applied, known, pending };
}
