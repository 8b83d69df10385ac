import { and, eq, gte, isNotNull, sql } from "drizzle-orm";
import type { LoginSource } from "../queries/logins.js";
import type { PeopleCounts, StatsQueries } from "../queries/stats.js";
import { failedSql, loggedInSql, pendingSql, sentSql } from "./attendee-status.js";
import { attendees, deliveries, logins } from "./schema.js";
import type { PgConnection } from "./store.js";

/** The delivery is its attendee's latest of its template by `send`, `resend` or `reset`. */
const latestOfItsKind = sql`${deliveries.campaignId} is null and ${deliveries.id} = (select max(l.id) from ${deliveries} l where l.attendee_id = ${deliveries.attendeeId} and l.template = ${deliveries.template} and l.campaign_id is null)`;

export class PgStats implements StatsQueries {
  readonly #c: PgConnection;

  constructor(c: PgConnection) {
    this.#c = c;
  }

  people(eventId: number): Promise<PeopleCounts> {
    const count = (fragment: typeof sentSql) =>
      sql<number>`(count(*) filter (where ${fragment}))::int`;
    return this.#c.use(async (db) => {
      const [row] = await db
        .select({
          attendees: sql<number>`count(*)::int`,
          sent: count(sentSql),
          failed: count(failedSql),
          pending: count(pendingSql),
          loggedIn: count(loggedInSql),
        })
        .from(attendees)
        .where(eq(attendees.eventId, eventId));
      return row ?? { attendees: 0, sent: 0, failed: 0, pending: 0, loggedIn: 0 };
    });
  }

  attempts(eventId: number): Promise<{ ok: number; failed: number }> {
    return this.#c.use(async (db) => {
      const [row] = await db
        .select({
          ok: sql<number>`(count(*) filter (where ${logins.ok}))::int`,
          failed: sql<number>`(count(*) filter (where not ${logins.ok}))::int`,
        })
        .from(logins)
        .where(eq(logins.eventId, eventId));
      return row ?? { ok: 0, failed: 0 };
    });
  }

  lastLogin(eventId: number): Promise<string | null> {
    return this.#c.use(async (db) => {
      const [row] = await db
        .select({ at: sql<string | null>`max(${logins.at})` })
        .from(logins)
        .where(and(eq(logins.eventId, eventId), eq(logins.ok, true), isNotNull(logins.attendeeId)));
      return row?.at ?? null;
    });
  }

  loggedInBySource(eventId: number): Promise<{ source: LoginSource; n: number }[]> {
    return this.#c.use((db) =>
      db
        .select({
          source: logins.source,
          n: sql<number>`count(distinct ${logins.attendeeId})::int`,
        })
        .from(logins)
        .where(and(eq(logins.eventId, eventId), eq(logins.ok, true), isNotNull(logins.attendeeId)))
        .groupBy(logins.source),
    );
  }

  templateStatuses(
    eventId: number,
  ): Promise<{ template: string; status: "pending" | "sent" | "failed"; n: number }[]> {
    return this.#c.use((db) =>
      db
        .select({
          template: deliveries.template,
          status: deliveries.status,
          n: sql<number>`count(*)::int`,
        })
        .from(deliveries)
        .where(and(eq(deliveries.eventId, eventId), latestOfItsKind))
        .groupBy(deliveries.template, deliveries.status)
        .orderBy(sql`${deliveries.template} collate "C"`),
    );
  }

  loginTimes(eventId: number, since: string): Promise<string[]> {
    return this.#c.use(async (db) =>
      (
        await db
          .select({ at: logins.at })
          .from(logins)
          .where(and(eq(logins.eventId, eventId), eq(logins.ok, true), gte(logins.at, since)))
      ).map((r) => r.at),
    );
  }
}
