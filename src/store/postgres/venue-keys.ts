import { asc, eq } from "drizzle-orm";
import type { VenueKeyRow } from "../schema.js";
import type { VenueKeyQueries, VenueKeyValues } from "../queries/venue-keys.js";
import { events, venueKeys } from "./schema.js";
import { one } from "./events.js";
import type { PgConnection } from "./store.js";

export class PgVenueKeys implements VenueKeyQueries {
  readonly #c: PgConnection;

  constructor(c: PgConnection) {
    this.#c = c;
  }

  byId(id: number): Promise<VenueKeyRow | undefined> {
    return this.#c.use(async (db) => {
      const [row] = await db.select().from(venueKeys).where(eq(venueKeys.id, id));
      return row;
    });
  }

  byName(name: string): Promise<VenueKeyRow | undefined> {
    return this.#c.use(async (db) => {
      const [row] = await db.select().from(venueKeys).where(eq(venueKeys.name, name));
      return row;
    });
  }

  byDigest(digest: string): Promise<VenueKeyRow | undefined> {
    return this.#c.use(async (db) => {
      const [row] = await db.select().from(venueKeys).where(eq(venueKeys.keyHash, digest));
      return row;
    });
  }

  list(): Promise<{ key: VenueKeyRow; slug: string | null }[]> {
    return this.#c.use((db) =>
      db
        .select({ key: venueKeys, slug: events.slug })
        .from(venueKeys)
        .leftJoin(events, eq(venueKeys.eventId, events.id))
        .orderBy(asc(venueKeys.id)),
    );
  }

  insert(values: VenueKeyValues): Promise<VenueKeyRow> {
    return this.#c.use(async (db) => one(await db.insert(venueKeys).values(values).returning()));
  }

  async remove(id: number): Promise<void> {
    await this.#c.use((db) => db.delete(venueKeys).where(eq(venueKeys.id, id)));
  }

  async touch(id: number, at: string): Promise<void> {
    await this.#c.use((db) =>
      db.update(venueKeys).set({ lastUsedAt: at }).where(eq(venueKeys.id, id)),
    );
  }
}
