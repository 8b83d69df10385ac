/** Opening an attendee's sealed code through the vault's own API: what only the mailer may do. */
import { openSqliteWorkspace } from "../../src/store/workspace.js";
import { loadMasterKey } from "../../src/vault/master-key.js";
import { codeOwner } from "../../src/vault/vault.js";
import { sqliteOf } from "./sqlite.js";

export function openCode(
  dbPath: string,
  keyPath: string,
  email: string,
  eventSlug?: string,
): string {
  const ws = openSqliteWorkspace({ path: dbPath, keyPath });
  try {
    const row = sqliteOf(ws)
      .sqlite.prepare(
        `SELECT a.id, a.event_id AS eventId, a.email, a.code_sealed AS sealed
         FROM attendees a JOIN events e ON e.id = a.event_id
         WHERE a.email = ? AND (? IS NULL OR e.slug = ?)`,
      )
      .get(email, eventSlug ?? null, eventSlug ?? null) as
      { id: number; eventId: number; email: string; sealed: Buffer } | undefined;
    if (!row) throw new Error(`no attendee ${email}`);
    // Opening a seal takes the master key alone (the workspace's recorded key id).
    const vault = loadMasterKey(keyPath, {
      create: false,
      expectId: sqliteOf(ws)
        .sqlite.prepare("SELECT value FROM meta WHERE key = ?")
        .pluck()
        .get("key_id") as string | undefined,
    });
    return vault.open(row.sealed, codeOwner(row));
  } finally {
    void ws.close();
  }
}
