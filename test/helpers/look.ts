/**
 * A test's own look into a workspace, under the store seam: the rows of a SQL statement (`?`
 * placeholders) in a SQLite file or a PostgreSQL database, named by its path or URL. For what
 * the commands cannot show (the rows as written) and set-ups they cannot make.
 */
import Database from "better-sqlite3";
import pg from "pg";

const INT8 = 20; // PostgreSQL's bigint, which count(*) gives and pg reads as a string

/** Opens the workspace file as SQLite would after a crash (recovering its WAL) and runs `fn`. */
export function inspect<T>(dbPath: string, fn: (db: Database.Database) => T): T {
  const db = new Database(dbPath);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export function isPostgres(where: string): boolean {
  return /^postgres(ql)?:\/\//.test(where);
}

/** The rows `sql` reads (counts read as numbers on PostgreSQL too, as SQLite gives them). */
export async function lookAt<T>(where: string, sql: string, params: unknown[] = []): Promise<T[]> {
  if (!isPostgres(where)) return inspect(where, (db) => db.prepare(sql).all(...params) as T[]);
  const result = await onPostgres(where, sql, params);
  const counts = result.fields.filter((f) => f.dataTypeID === INT8).map((f) => f.name);
  const rows = result.rows as Record<string, unknown>[];
  for (const row of rows) for (const name of counts) row[name] = Number(row[name]);
  return rows as T[];
}

/** Runs a statement that writes: how many rows it changed. */
export async function changeAt(
  where: string,
  sql: string,
  params: unknown[] = [],
): Promise<number> {
  if (!isPostgres(where)) return inspect(where, (db) => db.prepare(sql).run(...params).changes);
  return (await onPostgres(where, sql, params)).rowCount ?? 0;
}

async function onPostgres(url: string, sql: string, params: unknown[]): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let n = 0;
    return await client.query(
      sql.replace(/\?/g, () => `$${++n}`),
      params,
    );
  } finally {
    await client.end();
  }
}
