/**
 * The figures `/metrics` exports, counted from the workspace so they include every source and
 * every process sharing it: login attempts by event and outcome, deliveries by event and status.
 */
import { count, eq, ne } from "drizzle-orm";
import { deliveries, events, logins } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";

export interface LoginCount {
  event: string;
  outcome: string;
  count: number;
}

export interface DeliveryCount {
  event: string;
  status: string;
  count: number;
}

export function loginCounts(ws: Workspace): LoginCount[] {
  return (
    ws.db
      .select({ event: events.slug, outcome: logins.outcome, count: count() })
      .from(logins)
      .innerJoin(events, eq(events.id, logins.eventId))
      // An attempt argon2 has not answered yet is counted once it has.
      .where(ne(logins.outcome, "pending"))
      .groupBy(events.slug, logins.outcome)
      .orderBy(events.slug, logins.outcome)
      .all()
  );
}

export function deliveryCounts(ws: Workspace): DeliveryCount[] {
  return ws.db
    .select({ event: events.slug, status: deliveries.status, count: count() })
    .from(deliveries)
    .innerJoin(events, eq(events.id, deliveries.eventId))
    .groupBy(events.slug, deliveries.status)
    .orderBy(events.slug, deliveries.status)
    .all();
}
