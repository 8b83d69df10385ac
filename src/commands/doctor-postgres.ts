/**
 * `doctor` on a PostgreSQL workspace (`--db postgres://…`): the checks that differ from a SQLite
 * file's. The driver is loaded only here, only then.
 */
import { statSync } from "node:fs";
import type { Context } from "../context.js";
import { KeyError, WorkspaceError } from "../errors.js";
import { loadMasterKey, masterKeyPath } from "../vault/master-key.js";

/** Runs one check and records it; resolves to whether it passed. */
export type Attempt = (
  name: string,
  fn: () => Promise<string> | string,
  fix?: string,
) => Promise<boolean>;

/**
 * A PostgreSQL workspace: the connection (naming the server and database, never the password),
 * the server's version, the schema against this build's, and the key it recorded, checked
 * without changing it (no migration runs). True when its schema is this build's: then its
 * events can be checked as well.
 */
export async function checkPostgres(
  ctx: Context,
  url: string,
  attempt: Attempt,
  keyFix: string,
): Promise<boolean> {
  const { probePostgres } = await import("../store/postgres/probe.js");
  let probe: Awaited<ReturnType<typeof probePostgres>> | undefined;
  await attempt("database", async () => {
    probe = await probePostgres(url);
    return `PostgreSQL ${probe.serverVersion} at ${probe.target}`;
  });
  await attempt("schema", () => {
    if (!probe) throw new Error("not checked: no connection");
    const { applied, known, pending } = probe.schema;
    if (applied !== null && applied > known) {
      throw new WorkspaceError(`the database at ${probe.target} was written by a newer evcred`, {
        hint: "upgrade evcred (npm install -g evcred@latest) to use it",
      });
    }
    if (applied === null) return "empty: evcred makes its tables on first use";
    return pending === 0 ? "up to date" : `${pending} migration(s) to apply on next use`;
  });
  await attempt(
    "master key",
    () => {
      if (!probe) throw new Error("not checked: no connection");
      const recorded = probe.keyId;
      const vault = loadMasterKey(ctx.path(masterKeyPath(ctx.env)), { create: false });
      if (recorded !== undefined && vault.keyId !== recorded) {
        throw new KeyError(
          `the master key ${vault.keyPath} (id ${vault.keyId}) is not this workspace's key (id ${recorded})`,
          { hint: "set EVCRED_KEY_FILE to the key file the team shares for this workspace" },
        );
      }
      const adopted = recorded === undefined ? ", none recorded yet" : "";
      return `${vault.keyPath} (id ${vault.keyId}${adopted}, ${modeOf(vault.keyPath)})`;
    },
    keyFix,
  );
  return probe !== undefined && probe.schema.applied === probe.schema.known;
}

/** A file's permission bits as doctor shows them: `mode 0600`. */
export function modeOf(path: string): string {
  return `mode ${(statSync(path).mode & 0o777).toString(8).padStart(4, "0")}`;
}
