/**
 * The one-time upgrade of seals made before seals named the email (bound to event and attendee
 * only): each is re-sealed for its row's email, all in one transaction, the first time this
 * workspace's key is loaded by an evcred that binds emails. Then the workspace records
 * `seals_bound = email`, and from then on a seal of the old kind is refused (`Vault.open`), never
 * upgraded: after this pass, one found in the table was put there by someone else.
 *
 * Why this is safe enough: the binding is to the email the row has at the upgrade. A database
 * writer who changed an email before it would have redirected that mail with the old evcred too;
 * after it, changing an email breaks the seal. What the pass cannot tell apart is a marker
 * deleted by such a writer who also puts back an old-kind seal from a copy made before the
 * upgrade: `key rotate` after upgrading leaves no old-kind seal that the key opens anywhere.
 */
import type Database from "better-sqlite3";
import { errorCode } from "../../errors.js";
import type { Vault } from "../../vault/vault.js";

export const SEALS_BOUND_META = "seals_bound";

/** Re-seals every old-kind seal for its row's email; returns how many. Idempotent. */
export function bindLegacySeals(sqlite: Database.Database, vault: Vault): number {
  return sqlite
    .transaction(() => {
      const marker = sqlite
        .prepare<[string], string>("SELECT value FROM meta WHERE key = ?")
        .pluck()
        .get(SEALS_BOUND_META);
      if (marker === "email") return 0;
      const rows = sqlite
        .prepare(
          "SELECT id, event_id AS eventId, email, code_sealed AS sealed FROM attendees WHERE substr(code_sealed, 1, 1) = x'01'",
        )
        .all() as { id: number; eventId: number; email: string; sealed: Buffer }[];
      const update = sqlite.prepare("UPDATE attendees SET code_sealed = ? WHERE id = ?");
      const refold = sqlite.prepare(
        "UPDATE attendees SET code_fingerprint = ? WHERE id = ? AND code_fingerprint <> ?",
      );
      let bound = 0;
      for (const row of rows) {
        const moved = vault.bindLegacySeal(row.sealed, {
          eventId: row.eventId,
          attendeeId: row.id,
          email: row.email,
        });
        // One that does not open stays as it is: sending to it fails, naming the attendee.
        if (!moved) continue;
        update.run(moved.sealed, row.id);
        try {
          refold.run(moved.fingerprint, row.id, moved.fingerprint);
        } catch (error) {
          // Two chosen codes of an event that fold alike (GRACEO… and GRACE0…): both keep
          // working, under their old fingerprints.
          if (errorCode(error) !== "SQLITE_CONSTRAINT_UNIQUE") throw error;
        }
        bound++;
      }
      sqlite
        .prepare(
          "INSERT INTO meta (key, value) VALUES (?, 'email') ON CONFLICT (key) DO UPDATE SET value = 'email'",
        )
        .run(SEALS_BOUND_META);
      return bound;
    })
    .immediate();
}
