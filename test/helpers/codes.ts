/** Opening an attendee's sealed code through the vault's own API: what only the mailer may do. */
import { loadMasterKey } from "../../src/vault/master-key.js";
import { codeOwner } from "../../src/vault/vault.js";
import { lookAt } from "./look.js";

/** The plain code of `email` in the workspace at `where` (a SQLite file or a PostgreSQL URL). */
export async function openCode(
  where: string,
  keyPath: string,
  email: string,
  eventSlug?: string,
): Promise<string> {
  const [row] = await lookAt<{ id: number; eventId: number; email: string; sealed: Buffer }>(
    where,
    `SELECT a.id, a.event_id AS "eventId", a.email, a.code_sealed AS sealed
     FROM attendees a JOIN events e ON e.id = a.event_id
     WHERE a.email = ? AND (CAST(? AS TEXT) IS NULL OR e.slug = ?)
     ORDER BY e.id LIMIT 1`,
    [email, eventSlug ?? null, eventSlug ?? null],
  );
  if (!row) throw new Error(`no attendee ${email}`);
  const [meta] = await lookAt<{ value: string }>(where, "SELECT value FROM meta WHERE key = ?", [
    "key_id",
  ]);
  // Opening a seal takes the master key alone (the workspace's recorded key id).
  const vault = loadMasterKey(keyPath, { create: false, expectId: meta?.value });
  return vault.open(row.sealed, codeOwner(row));
}
