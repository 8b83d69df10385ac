/** Telling a PostgreSQL URL from a SQLite path, without loading the driver. */

/** Whether `--db` / EVCRED_DB names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** `host:port/database` of a PostgreSQL URL: what a message may show of it. */
export function postgresTarget(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "(an unreadable PostgreSQL URL)";
  }
  const host = parsed.hostname || parsed.searchParams.get("host") || "localhost";
  const port = parsed.port || "5432";
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "(the user's own)";
  return `${host}:${port}/${database}`;
}
