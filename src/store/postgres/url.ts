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

/** What went wrong, from a driver error (node-postgres reports a failed connect to each address). */
export function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(reasonOf).join("; ");
  }
  return error instanceof Error ? error.message : String(error);
}

/** The driver's messages do not carry the password; this makes sure of it. */
export function withoutPassword(message: string, url: string): string {
  let password: string;
  try {
    password = new URL(url).password;
  } catch {
    return message;
  }
  if (password === "") return message;
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // keep it as written
  }
  return message.split(password).join("***").split(decoded).join("***");
}
