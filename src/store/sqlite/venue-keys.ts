import { asc, eq, sql } from "drizzle-orm";
import { events, venueKeys, type VenueKeyRow } from "../schema.js";
import type { VenueKeyQueries, VenueKeyValues } from "../queries/venue-keys.js";
import type { SqliteConnection } from "./store.js";

export class SqliteVenueKeys implements VenueKeyQueries {
  readonly #c: SqliteConnection;

  constructor(c: SqliteConnection) {
    this.#c = c;
  }

  byId(id: number): Promise<VenueKeyRow | undefined> {
    return this.#c.use((c) => c.db.select().from(venueKeys).where(eq(venueKeys.id, id)).get());
  }

  byName(name: string): Promise<VenueKeyRow | undefined> {
    return this.#c.use((c) => c.db.select().from(venueKeys).where(eq(venueKeys.name, name)).get());
  }

  byDigest(digest: string): Promise<VenueKeyRow | undefined> {
    // Prepared once: every API call presents its key.
    return this.#c.use((c) =>
      c
        .prepared(byDigest, (p) =>
          p.db
            .select()
            .from(venueKeys)
            .where(eq(venueKeys.keyHash, sql.placeholder("digest")))
            .prepare(),
        )
        .get({ digest }),
    );
  }

  list(): Promise<{ key: VenueKeyRow; slug: string | null }[]> {
    return this.#c.use((c) =>
      c.db
        .select({ key: venueKeys, slug: events.slug })
        .from(venueKeys)
        .leftJoin(events, eq(venueKeys.eventId, events.id))
        .orderBy(asc(venueKeys.id))
        .all(),
    );
  }

  insert(values: VenueKeyValues): Promise<VenueKeyRow> {
    return this.#c.use((c) => c.db.insert(venueKeys).values(values).returning().get());
  }

  async remove(id: number): Promise<void> {
    await this.#c.use((c) => c.db.delete(venueKeys).where(eq(venueKeys.id, id)).run());
  }

  async touch(id: number, at: string): Promise<void> {
    await this.#c.use((c) =>
      c.db.update(venueKeys).set({ lastUsedAt: at }).where(eq(venueKeys.id, id)).run(),
    );
  }
}

const byDigest = {};
