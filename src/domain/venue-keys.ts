/**
 * Venue keys: created (the key is returned once, only its SHA-256 kept), listed, revoked, and
 * checked for each API call. A key is bound to one event or good for all of them.
 */
import { asc, eq, sql } from "drizzle-orm";
import { DomainError } from "./errors.js";
import { events, venueKeys, type EventRow, type VenueKeyRow } from "../store/schema.js";
import { preparedFor, type Workspace } from "../store/workspace.js";
import { newVenueKey, venueKeyDigest } from "../vault/venue-keys.js";
import { recordAuditSync } from "./audit.js";
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

export function createVenueKey(
  ws: Workspace,
  input: { name: string; event: EventRow | undefined },
  who: Who,
): { view: VenueKeyView; key: string } {
  if (!isValidVenueKeyName(input.name)) {
    throw new DomainError({ code: "invalid-venue-key-name", name: input.name });
  }
  const key = newVenueKey();
  const row = ws.transactionSync(() => {
    if (findByName(ws, input.name)) {
      throw new DomainError({ code: "venue-key-taken", name: input.name });
    }
    const inserted = ws.db
      .insert(venueKeys)
      .values({
        name: input.name,
        eventId: input.event?.id ?? null,
        keyHash: venueKeyDigest(key),
        createdAt: who.at,
      })
      .returning()
      .get();
    recordAuditSync(ws, {
      ...who,
      action: "venue-key.create",
      eventId: input.event?.id ?? null,
      summary: `created venue key ${input.name} (#${inserted.id}) for ${input.event?.slug ?? "every event"}`,
    });
    return inserted;
  });
  return { view: view(row, input.event?.slug ?? null), key };
}

export function listVenueKeys(ws: Workspace): VenueKeyView[] {
  return ws.db
    .select({ key: venueKeys, slug: events.slug })
    .from(venueKeys)
    .leftJoin(events, eq(venueKeys.eventId, events.id))
    .orderBy(asc(venueKeys.id))
    .all()
    .map((r) => view(r.key, r.slug));
}

/** Revokes the key with that id (all digits) or name. */
export function revokeVenueKey(ws: Workspace, idOrName: string, who: Who): VenueKeyView {
  return ws.transactionSync(() => {
    const row = /^\d+$/.test(idOrName)
      ? ws.db
          .select()
          .from(venueKeys)
          .where(eq(venueKeys.id, Number(idOrName)))
          .get()
      : findByName(ws, idOrName);
    if (!row) {
      throw new DomainError({ code: "unknown-venue-key", key: idOrName });
    }
    ws.db.delete(venueKeys).where(eq(venueKeys.id, row.id)).run();
    recordAuditSync(ws, {
      ...who,
      action: "venue-key.revoke",
      eventId: row.eventId,
      summary: `revoked venue key ${row.name} (#${row.id})`,
    });
    const slug = row.eventId === null ? null : eventSlug(ws, row.eventId);
    return view(row, slug);
  });
}

/** The key a request presented, if it is one of ours; its last use is recorded. */
export function authenticateVenueKey(
  ws: Workspace,
  presented: string,
  now: Date,
): VenueKeyRow | undefined {
  const row = venueKeyByDigest(ws).get({ digest: venueKeyDigest(presented) });
  if (!row) return undefined;
  const last = row.lastUsedAt ? Date.parse(row.lastUsedAt) : 0;
  if (now.getTime() - last >= LAST_USED_GRANULARITY_MS) {
    ws.db
      .update(venueKeys)
      .set({ lastUsedAt: now.toISOString() })
      .where(eq(venueKeys.id, row.id))
      .run();
  }
  return row;
}

// Prepared once: every API call presents its key.
const venueKeyByDigest = preparedFor((ws) =>
  ws.db
    .select()
    .from(venueKeys)
    .where(eq(venueKeys.keyHash, sql.placeholder("digest")))
    .prepare(),
);

function findByName(ws: Workspace, name: string): VenueKeyRow | undefined {
  return ws.db.select().from(venueKeys).where(eq(venueKeys.name, name)).get();
}

function eventSlug(ws: Workspace, eventId: number): string | null {
  return (
    ws.db.select({ slug: events.slug }).from(events).where(eq(events.id, eventId)).get()?.slug ??
    null
  );
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
