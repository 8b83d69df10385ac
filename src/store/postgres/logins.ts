import { and, asc, count, eq, gt, isNull, ne, or, sql, type SQL } from "drizzle-orm";
import type { AttemptValues, FailureRow, LoginQueries } from "../queries/logins.js";
import { one } from "./events.js";
import { attendees, events, logins } from "./schema.js";
import type { PgConnection } from "./store.js";

export class PgLogins implements LoginQueries {
  readonly #c: PgConnection;

  constructor(c: PgConnection) {
    this.#c = c;
  }

  failures(eventId: number, since: string, email?: string): Promise<FailureRow[]> {
    const conditions: (SQL | undefined)[] = [
      eq(logins.eventId, eventId),
      email === undefined ? undefined : eq(logins.email, email),
      eq(logins.ok, false),
      ne(logins.outcome, "locked"),
      gt(logins.at, since),
      or(isNull(attendees.lockClearedAfter), gt(logins.id, attendees.lockClearedAfter)),
    ];
    return this.#c.use((db) =>
      db
        .select({ email: logins.email, at: logins.at, outcome: logins.outcome })
        .from(logins)
        .leftJoin(
          attendees,
          and(eq(attendees.eventId, logins.eventId), eq(attendees.email, logins.email)),
        )
        .where(and(...conditions))
        .orderBy(sql`${logins.email} collate "C"`, asc(logins.at)),
    );
  }

  /**
   * A transaction-scoped advisory lock on (event, email): READ COMMITTED alone would let two
   * machines count the same four failures and both record a fifth. Held until commit, so the
   * next attempt counts this one; attempts for other emails do not wait.
   */
  async holdEmail(eventId: number, email: string): Promise<void> {
    await this.#c.use((db) =>
      db.execute(sql`select pg_advisory_xact_lock(${eventId}, hashtext(${email}))`),
    );
  }

  insertAttempt(values: AttemptValues): Promise<number> {
    return this.#c.use(
      async (db) =>
        one(
          await db
            .insert(logins)
            .values({ ...values, ok: false })
            .returning({ id: logins.id }),
        ).id,
    );
  }

  async settleAttempt(id: number, ok: boolean, outcome: string): Promise<void> {
    await this.#c.use((db) => db.update(logins).set({ ok, outcome }).where(eq(logins.id, id)));
  }

  countsByOutcome(): Promise<{ event: string; outcome: string; count: number }[]> {
    return this.#c.use((db) =>
      db
        .select({ event: events.slug, outcome: logins.outcome, count: count() })
        .from(logins)
        .innerJoin(events, eq(events.id, logins.eventId))
        .where(ne(logins.outcome, "pending"))
        .groupBy(events.slug, logins.outcome)
        .orderBy(sql`${events.slug} collate "C"`, sql`${logins.outcome} collate "C"`),
    );
  }
}
