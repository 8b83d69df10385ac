/**
 * A test's look inside a SQLite workspace file: its connection and drizzle handle, for checks
 * the store seam has no query for (the rows as written, the file's pages). Not for PostgreSQL.
 */
import { SqliteStore } from "../../src/store/sqlite/store.js";
import type { Workspace } from "../../src/store/workspace.js";

export function sqliteOf(ws: Workspace): SqliteStore {
  if (ws.store instanceof SqliteStore) return ws.store;
  throw new Error(`${ws.path} is not a SQLite workspace`);
}
