/** Venue keys as the store keeps them: only each key's SHA-256, never the key. */
import type { VenueKeyRow } from "../schema.js";

export type VenueKeyValues = Pick<VenueKeyRow, "name" | "eventId" | "keyHash" | "createdAt">;

export interface VenueKeyQueries {
  byId(id: number): Promise<VenueKeyRow | undefined>;
  byName(name: string): Promise<VenueKeyRow | undefined>;
  byDigest(digest: string): Promise<VenueKeyRow | undefined>;
  /** Every key, oldest first, with its event's slug (null: every event). */
  list(): Promise<{ key: VenueKeyRow; slug: string | null }[]>;
  insert(values: VenueKeyValues): Promise<VenueKeyRow>;
  remove(id: number): Promise<void>;
  touch(id: number, at: string): Promise<void>;
}
