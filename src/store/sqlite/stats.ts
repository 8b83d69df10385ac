import { and, asc, eq, gte, isNotNull, sql } from "drizzle-orm";
import { attendees, deliveries, logins } from "../schema.js";
import type { LoginSource } from "../queries/logins.js";
import type { PeopleCounts, StatsQueries } from "../queries/stats.js";
import { failedSql, loggedInSql, pendingSql, sentSql } from "./attendee-status.js";
import type { SqliteConnection } from "./store.js";

/** The delivery is its attendee's latest of its template by `send`, `resend` or `reset`. */
const latestOfItsKind = sql`${deliveries.campaignId} is null and ${deliveries.id} = (select max(l.id) from ${deliveries} l where l.attendee_id = ${deliveries.attendeeId} and l.template = ${deliveries.template} and l.campaign_id is null)`;

export class SqliteStats implements StatsQueries {
  readonly #c: SqliteConnection;

  constructor(c: SqliteConnection) {
    this.#c = c;
  }

  people(eventId: number): Promise<PeopleCounts> {
    const count = (fragment: typeof sentSql) => sql<number>`coalesce(sum(${fragment}), 0)`;
    return this.#c.use(
      (c) =>
        c.db
          .select({
            attendees: sql<number>`count(*)`,
            sent: count(sentSql),
            failed: count(failedSql),
            pending: count(pendingSql),
            loggedIn: count(loggedInSql),
          })
          .from(attendees)
          .where(eq(attendees.eventId, eventId))
          .get() ?? { attendees: 0, sent: 0, failed: 0, pending: 0, loggedIn: 0 },
    );
  }

  attempts(eventId: number): Promise<{ ok: number; failed: number }> {
    return this.#c.use(
      (c) =>
        c.db
          .select({
            ok: sql<number>`coalesce(sum(${logins.ok}), 0)`,
            failed: sql<number>`coalesce(sum(not ${logins.ok}), 0)`,
          })
          .from(logins)
          .where(eq(logins.eventId, eventId))
          .get() ?? { ok: 0, failed: 0 },
    );
  }

  lastLogin(eventId: number): Promise<string | null> {
    return this.#c.use(
      (c) =>
        c.db
          .select({ at: sql<string | null>`max(${logins.at})` })
          .from(logins)
          .where(
            and(eq(logins.eventId, eventId), eq(logins.ok, true), isNotNull(logins.attendeeId)),
          )
          .get()?.at ?? null,
    );
  }

  loggedInBySource(eventId: number): Promise<{ source: LoginSource; n: number }[]> {
    return this.#c.use((c) =>
      c.db
        .select({ source: logins.source, n: sql<number>`count(distinct ${logins.attendeeId})` })
        .from(logins)
        // attendee_id is cleared when an attendee is removed: those registered now.
        .where(and(eq(logins.eventId, eventId), eq(logins.ok, true), isNotNull(logins.attendeeId)))
        .groupBy(logins.source)
        .all(),
    );
  }

  templateStatuses(
    eventId: number,
  ): Promise<{ template: string; status: "pending" | "sent" | "failed"; n: number }[]> {
    return this.#c.use((c) =>
      c.db
        .select({
          template: deliveries.template,
          status: deliveries.status,
          n: sql<number>`count(*)`,
        })
        .from(deliveries)
        .where(and(eq(deliveries.eventId, eventId), latestOfItsKind))
        .groupBy(deliveries.template, deliveries.status)
        .orderBy(asc(deliveries.template))
        .all(),
    );
  }

  loginTimes(eventId: number, since: string): Promise<string[]> {
    return this.#c.use((c) =>
      c.db
        .select({ at: logins.at })
        .from(logins)
        .where(and(eq(logins.eventId, eventId), eq(logins.ok, true), gte(logins.at, since)))
        .all()
        .map((r) => r.at),
    );
  }
}
