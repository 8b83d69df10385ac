/**
 * Rotating the master key: every sealed code and every fingerprint moved under a new key in one
 * transaction. The argon2id hashes stay as they are: the hash key they are keyed with is carried
 * over, sealed under the new key (rehashing every code would take as long as an import). The order of the file writes
 * around that transaction is what keeps a crash harmless:
 *
 * 1. the new key is written whole beside the current one, as `KEY.new-<id>`;
 * 2. the current key gets a second name, `KEY.old-<id>` — from here on it cannot be lost;
 * 3. one transaction re-seals every code and records the new key id: before it commits the
 *    workspace and `KEY` still go together (old key, old seals); after, the workspace names the
 *    staged key;
 * 4. `KEY.new-<id>` is renamed over `KEY`. A crash before this rename is finished by the next
 *    command: the workspace's key id names the staged file (see `loadMasterKey`).
 *
 * At no point is there a state where the workspace's codes are sealed under a key no file holds.
 */
import { EvcredError } from "../errors.js";
import type { Queries } from "../store/store.js";
import { HASH_KEY_META, type Workspace } from "../store/workspace.js";
import {
  discardStagedKey,
  keepCurrentKey,
  promoteStagedKey,
  stageNewKey,
} from "../vault/master-key.js";
import { codeOwner, type Vault } from "../vault/vault.js";
import { recordAudit } from "./audit.js";
import type { Who } from "./events.js";
import { RETIRED_KEYS_META, withRetired } from "./signing-keys.js";

/** The points between the steps above, for tests that stop a rotation there. */
export type RotationStep = "staged" | "kept" | "committed" | "promoted";

export interface RotateOptions {
  who: Who;
  /** Called after each step; a test may throw here to stop the rotation as a crash would. */
  afterStep?: (step: RotationStep) => void | Promise<void>;
}

export interface RotationResult {
  previousKeyId: string;
  keyId: string;
  keyFile: string;
  /** Where the replaced key is kept. */
  previousKeyFile: string;
  codes: number;
  events: number;
  /** False when another process kept the old copies in the WAL (see `Workspace.scrub`). */
  scrubbed: boolean;
}

export async function rotateMasterKey(
  ws: Workspace,
  options: RotateOptions,
): Promise<RotationResult> {
  const step = options.afterStep ?? (() => undefined);
  const current = await ws.vault(); // the wrong key, or none, fails here: nothing is written
  await assertNoSendRunning(ws.store, options.who.at);
  const next = stageNewKey(current.keyPath);
  await step("staged");
  const previousKeyFile = keepCurrentKey(current);
  await step("kept");
  let committed: { codes: number; events: number };
  try {
    committed = await resealUnder(ws, current, next, previousKeyFile, options.who);
  } catch (error) {
    // Rolled back (another rotation won the race, a seal did not open): nothing is sealed under
    // the staged key, so it goes.
    discardStagedKey(current.keyPath, next.keyId);
    throw error;
  }
  const { codes, events } = committed;
  await step("committed");
  promoteStagedKey(current.keyPath, next.keyId);
  ws.forgetVault();
  await step("promoted");
  // The old seals and fingerprints are still in free pages and WAL frames: gone only now.
  const scrubbed = await ws.scrub();
  return {
    previousKeyId: current.keyId,
    keyId: next.keyId,
    keyFile: current.keyPath,
    previousKeyFile,
    codes,
    events,
    scrubbed,
  };
}

/** Every code re-sealed under `next`, and the workspace moved to it, in one transaction. */
function resealUnder(
  ws: Workspace,
  current: Vault,
  next: Vault,
  previousKeyFile: string,
  who: Who,
): Promise<{ codes: number; events: number }> {
  return ws.transaction(async (tx) => {
    // Checked again under the write lock: a send that claimed meanwhile holds the old key.
    await assertNoSendRunning(tx, who.at);
    const rows = await tx.attendees.seals();
    await tx.attendees.resealMany(
      rows.map((row) => {
        const moved = current.reseal(row.sealed, codeOwner(row), next);
        return { id: row.id, sealed: moved.sealed, fingerprint: moved.fingerprint };
      }),
    );
    await tx.meta.set("key_id", next.keyId);
    await tx.meta.set(HASH_KEY_META, current.sealHashKeyFor(next).toString("base64"));
    await tx.meta.set(
      RETIRED_KEYS_META,
      withRetired(await tx.meta.get(RETIRED_KEYS_META), current.signingKey().publicJwk, who.at),
    );
    const eventCount = new Set(rows.map((r) => r.eventId)).size;
    await recordAudit(tx, {
      ...who,
      action: "key.rotate",
      summary: `master key ${current.keyId} → ${next.keyId}: ${rows.length} codes re-sealed in ${eventCount} events; the previous key is kept at ${previousKeyFile}`,
    });
    return { codes: rows.length, events: eventCount };
  });
}

/**
 * A running send opens codes with the key it loaded: moving them under its feet would fail its
 * messages. Its claims (pending deliveries with a live lease) say it is there.
 */
async function assertNoSendRunning(q: Queries, at: string): Promise<void> {
  const live = await q.deliveries.liveClaims(at);
  if (live.length === 0) return;
  const until = live.sort()[live.length - 1] ?? "";
  throw new EvcredError(
    `a send is running (${live.length} message${live.length === 1 ? "" : "s"} in flight); the key was not rotated`,
    {
      hint: `rotate once it has finished. If no evcred is sending (one was killed), its claims lapse at ${until}, or run \`evcred send\` once to clear them`,
    },
  );
}
