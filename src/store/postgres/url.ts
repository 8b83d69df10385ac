/** Telling a PostgreSQL URL from a SQLite path, without loading the driver. */

/** Whether `--db` / EVCRED_DB names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}
