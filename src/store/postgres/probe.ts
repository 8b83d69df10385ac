/**
 * A look at a PostgreSQL workspace without changing it, for `doctor`: can we connect, which
 * server is it, which schema does it have, which key did it record. Errors name the server and
 * the database, never the password, whatever the driver's message says.
 */
import pg from "pg";
import { ExitCode, WorkspaceError } from "../../errors.js";
import { postgresSchemaState, type SchemaState } from "./migrate.js";
import { postgresTarget, withoutPassword, reasonOf } from "./url.js";

export interface PostgresProbe {
  /** `host:port/database`, for messages. */
  target: string;
  /** As the server says it: `15.18 (Debian 15.18-0+deb12u1)`. */
  serverVersion: string;
  schema: SchemaState;
  /** The master key id the workspace recorded, if it has one yet. */
  keyId: string | undefined;
}

const CONNECT_TIMEOUT_MS = 5_000;

export async function probePostgres(url: string): Promise<PostgresProbe> {
  const target = postgresTarget(url);
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: "evcred doctor",
  });
  // A failed connection also reports on the client itself: it is answered here, not thrown.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw new WorkspaceError(
      `cannot connect to PostgreSQL at ${target}: ${withoutPassword(reasonOf(error), url)}`,
      {
        exitCode: ExitCode.failed,
        hint: "check the URL's host, port, user, password and database, and that the server runs and accepts this machine",
      },
    );
  }
  try {
    const version = await client.query<{ server_version: string }>("SHOW server_version");
    const schema = await postgresSchemaState(client);
    let keyId: string | undefined;
    if (schema.applied !== null) {
      const row = await client.query<{ value: string }>(
        "SELECT value FROM meta WHERE key = 'key_id'",
      );
      keyId = row.rows[0]?.value;
    }
    return { target, serverVersion: version.rows[0]?.server_version ?? "unknown", schema, keyId };
  } catch (error) {
    throw new WorkspaceError(
      `cannot read the workspace at ${target}: ${withoutPassword(reasonOf(error), url)}`,
      { exitCode: ExitCode.failed },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
