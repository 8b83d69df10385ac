/** Opening an attendee's sealed code through the vault's own API: what only the mailer may do. */
import { openWorkspace } from "../../src/store/workspace.js";
import { codeOwner } from "../../src/vault/vault.js";

export function openCode(
  dbPath: string,
  keyPath: string,
  email: string,
  eventSlug?: string,
): string {
  const ws = openWorkspace({ path: dbPath, keyPath });
  try {
    const row = ws.sqlite
      .prepare(
        `SELECT a.id, a.event_id AS eventId, a.email, a.code_sealed AS sealed
         FROM attendees a JOIN events e ON e.id = a.event_id
         WHERE a.email = ? AND (? IS NULL OR e.slug = ?)`,
      )
      .get(email, eventSlug ?? null, eventSlug ?? null) as
      { id: number; eventId: number; email: string; sealed: Buffer } | undefined;
    if (!row) throw new Error(`no attendee ${email}`);
    return ws.vault().open(row.sealed, codeOwner(row));
  } finally {
    ws.close();
  }
}
