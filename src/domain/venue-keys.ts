/**
 * Venue keys: created (the key is returned once, only its SHA-256 kept), listed, revoked, and
 * checked for each API call. A key is bound to one event or good for all of them.
 */
import { DomainError } from "./errors.js";
import type { EventRow, VenueKeyRow } from "../store/schema.js";
import type { Queries } from "../store/store.js";
import type { Workspace } from "../store/workspace.js";
import { newVenueKey, venueKeyDigest } from "../vault/venue-keys.js";
import { recordAudit } from "./audit.js";
import type { Who } from "./events.js";

/** A name people and scripts can type; not all digits, so `revoke ID|NAME` is never ambiguous. */
const NAME = /^(?!\d+$)[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `last_used_at` is written at most this often per key, so a busy venue does not write on every call. */
const LAST_USED_GRANULARITY_MS = 60_000;

export interface VenueKeyView {
  id: number;
  name: string;
  /** The event's slug, or null: every event. */
  event: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

export function isValidVenueKeyName(name: string): boolean {
  return NAME.test(name);
}

export async function createVenueKey(
  ws: Workspace,
  input: { name: string; event: EventRow | undefined },
  who: Who,
): Promise<{ view: VenueKeyView; key: string }> {
  if (!isValidVenueKeyName(input.name)) {
    throw new DomainError({ code: "invalid-venue-key-name", name: input.name });
  }
  const key = newVenueKey();
  const row = await ws.transaction(async (tx) => {
    if (await tx.venueKeys.byName(input.name)) {
      throw new DomainError({ code: "venue-key-taken", name: input.name });
    }
    const inserted = await tx.venueKeys.insert({
      name: input.name,
      eventId: input.event?.id ?? null,
      keyHash: venueKeyDigest(key),
      createdAt: who.at,
    });
    await recordAudit(tx, {
      ...who,
      action: "venue-key.create",
      eventId: input.event?.id ?? null,
      summary: `created venue key ${input.name} (#${inserted.id}) for ${input.event?.slug ?? "every event"}`,
    });
    return inserted;
  });
  return { view: view(row, input.event?.slug ?? null), key };
}

export async function listVenueKeys(ws: Workspace): Promise<VenueKeyView[]> {
  return (await ws.store.venueKeys.list()).map((r) => view(r.key, r.slug));
}

/** Revokes the key with that id (all digits) or name. */
export function revokeVenueKey(ws: Workspace, idOrName: string, who: Who): Promise<VenueKeyView> {
  return ws.transaction(async (tx) => {
    const row = /^\d+$/.test(idOrName)
      ? await tx.venueKeys.byId(Number(idOrName))
      : await tx.venueKeys.byName(idOrName);
    if (!row) {
      throw new DomainError({ code: "unknown-venue-key", key: idOrName });
    }
    await tx.venueKeys.remove(row.id);
    await recordAudit(tx, {
      ...who,
      action: "venue-key.revoke",
      eventId: row.eventId,
      summary: `revoked venue key ${row.name} (#${row.id})`,
    });
    const slug = row.eventId === null ? null : await eventSlug(tx, row.eventId);
    return view(row, slug);
  });
}

/** The key a request presented, if it is one of ours; its last use is recorded. */
export async function authenticateVenueKey(
  ws: Workspace,
  presented: string,
  now: Date,
): Promise<VenueKeyRow | undefined> {
  const row = await ws.store.venueKeys.byDigest(venueKeyDigest(presented));
  if (!row) return undefined;
  const last = row.lastUsedAt ? Date.parse(row.lastUsedAt) : 0;
  if (now.getTime() - last >= LAST_USED_GRANULARITY_MS) {
    await ws.store.venueKeys.touch(row.id, now.toISOString());
  }
  return row;
}

async function eventSlug(q: Queries, eventId: number): Promise<string | null> {
  return (await q.events.byId(eventId))?.slug ?? null;
}

function view(row: VenueKeyRow, slug: string | null): VenueKeyView {
  return {
    id: row.id,
    name: row.name,
    event: slug,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
  };
}
