/**
 * The two dialects' schemas are one schema: a database migrated with the SQLite migrations and
 * one migrated with the PostgreSQL migrations have the same tables, columns (type, nullability,
 * default, generated ids), primary keys, indexes (unique or not, same columns) and foreign keys
 * (same cascades). A change made in one dialect only fails here, and so does a schema.ts changed
 * without its migration generated.
 */
import Database from "better-sqlite3";
import { execFileSync } from "node:child_process";
import { getTableColumns, getTableName, type Column as DrizzleColumn } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageFile } from "../../src/package-root.js";
import { schemaTables } from "../../src/store/schema.js";
import { describePostgres, useTestDatabase } from "../helpers/postgres.js";

interface Column {
  type: string;
  notNull: boolean;
  default: string | null;
  /** An id the database hands out: AUTOINCREMENT on SQLite, an identity column on PostgreSQL. */
  generated: boolean;
}

interface Index {
  table: string;
  columns: string[];
  unique: boolean;
}

interface ForeignKey {
  column: string;
  references: string;
  onDelete: string;
}

interface Shape {
  columns: Record<string, Record<string, Column>>;
  primaryKeys: Record<string, string[]>;
  indexes: Record<string, Index>;
  foreignKeys: Record<string, ForeignKey[]>;
}

/** Columns SQLite keeps as integer 0/1 and PostgreSQL as boolean: drizzle's boolean mode. */
const BOOLEANS = new Set(
  Object.values(schemaTables).flatMap((table) => {
    const columns: Record<string, DrizzleColumn> = getTableColumns(table);
    return Object.values(columns)
      .filter((column) => column.columnType === "SQLiteBoolean")
      .map((column) => `${getTableName(table)}:${column.name}`);
  }),
);

/** SQLite's column types by PostgreSQL's names for them. */
const SQLITE_TYPES: Record<string, string> = { integer: "integer", text: "text", blob: "bytea" };

describe("each dialect's committed migrations", () => {
  const root = packageFile();
  it.each([
    ["sqlite", "src/store/schema.ts", "src/store/migrations"],
    ["postgresql", "src/store/postgres/schema.ts", "src/store/postgres/migrations"],
  ])("are up to date with its schema (%s)", (dialect, schema, migrations) => {
    // drizzle-kit generate against a copy: it writes a migration only if the schema moved on.
    const copy = mkdtempSync(join(tmpdir(), "evcred-migrations-"));
    try {
      cpSync(join(root, migrations), copy, { recursive: true });
      const out = execFileSync(
        process.execPath,
        [
          join(root, "node_modules", "drizzle-kit", "bin.cjs"),
          "generate",
          `--dialect=${dialect}`,
          `--schema=./${schema}`,
          // drizzle-kit takes the folder relative to the working directory only.
          `--out=${relative(root, copy)}`,
        ],
        { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
      );
      expect(out, `run npm run db:generate${dialect === "sqlite" ? "" : ":pg"}`).toMatch(
        /No schema changes/,
      );
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describePostgres("the PostgreSQL schema", () => {
  const database = useTestDatabase();
  let dir: string;
  let sqlite: Shape;
  let postgres: Shape;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "evcred-schema-"));
    sqlite = sqliteShape(join(dir, "evcred.db"));
    postgres = await postgresShape(database.pool);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("has the SQLite schema's tables", () => {
    expect(Object.keys(postgres.columns).sort()).toEqual(Object.keys(sqlite.columns).sort());
    expect(Object.keys(sqlite.columns)).toContain("attendees");
  });

  it("has every table's columns with the same types, nullability, defaults and generated ids", () => {
    for (const table of Object.keys(sqlite.columns)) {
      expect({ table, columns: postgres.columns[table] }).toEqual({
        table,
        columns: sqlite.columns[table],
      });
    }
    expect(sqlite.columns.logins?.ok).toEqual({
      type: "boolean",
      notNull: true,
      default: null,
      generated: false,
    });
  });

  it("has the same primary keys", () => {
    expect(postgres.primaryKeys).toEqual(sqlite.primaryKeys);
  });

  it("has the same indexes, unique ones and the rest, on the same columns", () => {
    expect(postgres.indexes).toEqual(sqlite.indexes);
    expect(sqlite.indexes.attendees_event_code).toEqual({
      table: "attendees",
      columns: ["event_id", "code_fingerprint"],
      unique: true,
    });
  });

  it("has the same foreign keys, with the same cascades", () => {
    expect(postgres.foreignKeys).toEqual(sqlite.foreignKeys);
    expect(sqlite.foreignKeys.logins).toContainEqual({
      column: "attendee_id",
      references: "attendees.id",
      onDelete: "set null",
    });
  });
});

/** A new SQLite workspace's schema, as its migrations make it. */
function sqliteShape(path: string): Shape {
  const db = new Database(path);
  try {
    migrate(drizzle(db), { migrationsFolder: packageFile("src", "store", "migrations") });
    const tables = db
      .prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '__drizzle_migrations'",
      )
      .all() as { name: string; sql: string }[];
    const shape: Shape = { columns: {}, primaryKeys: {}, indexes: {}, foreignKeys: {} };
    for (const { name: table, sql } of tables) {
      const info = db.prepare(`PRAGMA table_info("${table}")`).all() as {
        name: string;
        type: string;
        notnull: number;
        dflt_value: string | null;
        pk: number;
      }[];
      const autoincrement = /AUTOINCREMENT/i.test(sql);
      shape.columns[table] = Object.fromEntries(
        info.map((c) => [
          c.name,
          {
            type: BOOLEANS.has(`${table}:${c.name}`)
              ? "boolean"
              : (SQLITE_TYPES[c.type.toLowerCase()] ?? c.type),
            notNull: c.notnull === 1,
            default: c.dflt_value,
            generated: autoincrement && c.pk === 1,
          },
        ]),
      );
      shape.primaryKeys[table] = info
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name);
      const indexes = db.prepare(`PRAGMA index_list("${table}")`).all() as {
        name: string;
        unique: number;
        origin: string;
      }[];
      for (const index of indexes.filter((i) => i.origin !== "pk")) {
        const columns = db.prepare(`PRAGMA index_info("${index.name}")`).all() as {
          seqno: number;
          name: string;
        }[];
        shape.indexes[index.name] = {
          table,
          columns: columns.sort((a, b) => a.seqno - b.seqno).map((c) => c.name),
          unique: index.unique === 1,
        };
      }
      const keys = db.prepare(`PRAGMA foreign_key_list("${table}")`).all() as {
        table: string;
        from: string;
        to: string;
        on_delete: string;
      }[];
      shape.foreignKeys[table] = sortKeys(
        keys.map((k) => ({
          column: k.from,
          references: `${k.table}.${k.to}`,
          onDelete: k.on_delete.toLowerCase(),
        })),
      );
    }
    return shape;
  } finally {
    db.close();
  }
}

const PG_DELETE_ACTIONS: Record<string, string> = {
  a: "no action",
  r: "restrict",
  c: "cascade",
  n: "set null",
  d: "set default",
};

/** A migrated PostgreSQL database's schema (the public schema: drizzle keeps its own apart). */
async function postgresShape(pool: pg.Pool): Promise<Shape> {
  const shape: Shape = { columns: {}, primaryKeys: {}, indexes: {}, foreignKeys: {} };
  const columns = await pool.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: "YES" | "NO";
    column_default: string | null;
    is_identity: "YES" | "NO";
  }>(
    `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default, c.is_identity
       FROM information_schema.columns c
       JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'`,
  );
  for (const c of columns.rows) {
    const table = (shape.columns[c.table_name] ??= {});
    table[c.column_name] = {
      type: c.data_type,
      notNull: c.is_nullable === "NO",
      // PostgreSQL writes a text default with its cast: 'en'::text. SQLite keeps 'en'.
      default: c.column_default?.replace(/::text$/, "") ?? null,
      generated: c.is_identity === "YES",
    };
  }
  const indexes = await pool.query<{
    index_name: string;
    table_name: string;
    columns: string[];
    is_unique: boolean;
    is_primary: boolean;
  }>(
    `SELECT i.relname AS index_name, t.relname AS table_name, x.indisunique AS is_unique,
            x.indisprimary AS is_primary,
            array(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                   ORDER BY k.n)::text[] AS columns
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace s ON s.oid = t.relnamespace
      WHERE s.nspname = 'public'`,
  );
  for (const index of indexes.rows) {
    if (index.is_primary) {
      shape.primaryKeys[index.table_name] = index.columns;
    } else {
      shape.indexes[index.index_name] = {
        table: index.table_name,
        columns: index.columns,
        unique: index.is_unique,
      };
    }
  }
  const keys = await pool.query<{
    table_name: string;
    column_name: string;
    ref_table: string;
    ref_column: string;
    delete_action: string;
  }>(
    `SELECT t.relname AS table_name, a.attname AS column_name, rt.relname AS ref_table,
            ra.attname AS ref_column, c.confdeltype AS delete_action
       FROM pg_constraint c
       JOIN pg_class t ON t.oid = c.conrelid
       JOIN pg_namespace s ON s.oid = t.relnamespace
       JOIN pg_class rt ON rt.oid = c.confrelid
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
       JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
      WHERE c.contype = 'f' AND s.nspname = 'public'`,
  );
  for (const table of Object.keys(shape.columns)) shape.foreignKeys[table] = [];
  for (const k of keys.rows) {
    shape.foreignKeys[k.table_name]?.push({
      column: k.column_name,
      references: `${k.ref_table}.${k.ref_column}`,
      onDelete: PG_DELETE_ACTIONS[k.delete_action] ?? k.delete_action,
    });
  }
  for (const [table, list] of Object.entries(shape.foreignKeys)) {
    shape.foreignKeys[table] = sortKeys(list);
  }
  return shape;
}

function sortKeys(keys: ForeignKey[]): ForeignKey[] {
  return [...keys].sort((a, b) => a.column.localeCompare(b.column));
}
