import { and, count, eq, gt } from "drizzle-orm";
import { deliveries, events } from "../schema.js";
import type { DeliveryQueries } from "../queries/deliveries.js";
import type { SqliteConnection } from "./store.js";

export class SqliteDeliveries implements DeliveryQueries {
  readonly #c: SqliteConnection;

  constructor(c: SqliteConnection) {
    this.#c = c;
  }

  countsByStatus(): Promise<{ event: string; status: string; count: number }[]> {
    return this.#c.use((c) =>
      c.db
        .select({ event: events.slug, status: deliveries.status, count: count() })
        .from(deliveries)
        .innerJoin(events, eq(events.id, deliveries.eventId))
        .groupBy(events.slug, deliveries.status)
        .orderBy(events.slug, deliveries.status)
        .all(),
    );
  }

  liveClaims(at: string): Promise<string[]> {
    return this.#c.use((c) =>
      c.db
        .select({ until: deliveries.leaseExpiresAt })
        .from(deliveries)
        .where(and(eq(deliveries.status, "pending"), gt(deliveries.leaseExpiresAt, at)))
        .all()
        .map((d) => d.until ?? ""),
    );
  }

  selfServiceSince(attendeeId: number, since: string): Promise<number> {
    return this.#c.use(
      (c) =>
        c.db
          .select({ n: count() })
          .from(deliveries)
          .where(
            and(
              eq(deliveries.attendeeId, attendeeId),
              eq(deliveries.purpose, "self-service"),
              gt(deliveries.createdAt, since),
            ),
          )
          .get()?.n ?? 0,
    );
  }
}
