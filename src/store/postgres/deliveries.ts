import { and, count, eq, gt, sql } from "drizzle-orm";
import type { DeliveryQueries } from "../queries/deliveries.js";
import { deliveries, events } from "./schema.js";
import type { PgConnection } from "./store.js";

export class PgDeliveries implements DeliveryQueries {
  readonly #c: PgConnection;

  constructor(c: PgConnection) {
    this.#c = c;
  }

  countsByStatus(): Promise<{ event: string; status: string; count: number }[]> {
    return this.#c.use((db) =>
      db
        .select({ event: events.slug, status: deliveries.status, count: count() })
        .from(deliveries)
        .innerJoin(events, eq(events.id, deliveries.eventId))
        .groupBy(events.slug, deliveries.status)
        .orderBy(sql`${events.slug} collate "C"`, sql`${deliveries.status} collate "C"`),
    );
  }

  liveClaims(at: string): Promise<string[]> {
    return this.#c.use(async (db) =>
      (
        await db
          .select({ until: deliveries.leaseExpiresAt })
          .from(deliveries)
          .where(and(eq(deliveries.status, "pending"), gt(deliveries.leaseExpiresAt, at)))
      ).map((d) => d.until ?? ""),
    );
  }

  selfServiceSince(attendeeId: number, since: string): Promise<number> {
    return this.#c.use(async (db) => {
      const [row] = await db
        .select({ n: count() })
        .from(deliveries)
        .where(
          and(
            eq(deliveries.attendeeId, attendeeId),
            eq(deliveries.purpose, "self-service"),
            gt(deliveries.createdAt, since),
          ),
        );
      return row?.n ?? 0;
    });
  }
}
