import {
  and,
  asc,
  count,
  eq,
  gt,
  isNull,
  ne,
  or,
  sql,
  type Placeholder,
  type SQL,
} from "drizzle-orm";
import { attendees, events, logins } from "../schema.js";
import type { AttemptValues, FailureRow, LoginQueries } from "../queries/logins.js";
import type { SqliteConnection } from "./store.js";

export class SqliteLogins implements LoginQueries {
  readonly #c: SqliteConnection;

  constructor(c: SqliteConnection) {
    this.#c = c;
  }

  failures(eventId: number, since: string, email?: string): Promise<FailureRow[]> {
    return this.#c.use((c) => {
      if (email === undefined) return failuresQuery(c, eventId, since).all();
      // Each login counts its email's failures: prepared once.
      return c
        .prepared(failuresOfEmail, (p) =>
          failuresQuery(
            p,
            sql.placeholder("eventId"),
            sql.placeholder("since"),
            sql.placeholder("email"),
          ).prepare(),
        )
        .all({ eventId, since, email });
    });
  }

  /** Nothing to take: the transaction's BEGIN IMMEDIATE holds the file's one write lock. */
  holdEmail(): Promise<void> {
    return Promise.resolve();
  }

  insertAttempt(values: AttemptValues): Promise<number> {
    return this.#c.use(
      (c) =>
        c
          .prepared(insertAttempt, (p) =>
            p.db
              .insert(logins)
              .values({
                eventId: sql.placeholder("eventId"),
                attendeeId: sql.placeholder("attendeeId"),
                email: sql.placeholder("email"),
                ok: false,
                outcome: sql.placeholder("outcome"),
                source: sql.placeholder("source"),
                at: sql.placeholder("at"),
              })
              .returning({ id: logins.id })
              .prepare(),
          )
          .get({ ...values }).id,
    );
  }

  async settleAttempt(id: number, ok: boolean, outcome: string): Promise<void> {
    await this.#c.use((c) =>
      c
        .prepared(settleAttempt, (p) =>
          p.db
            .update(logins)
            .set({ ok: sql`${sql.placeholder("ok")}`, outcome: sql`${sql.placeholder("outcome")}` })
            .where(eq(logins.id, sql.placeholder("id")))
            .prepare(),
        )
        // Bound as given (a placeholder skips the column's mapping): SQLite's boolean.
        .run({ id, ok: ok ? 1 : 0, outcome }),
    );
  }

  countsByOutcome(): Promise<{ event: string; outcome: string; count: number }[]> {
    return this.#c.use((c) =>
      c.db
        .select({ event: events.slug, outcome: logins.outcome, count: count() })
        .from(logins)
        .innerJoin(events, eq(events.id, logins.eventId))
        // An attempt argon2 has not answered yet is counted once it has.
        .where(ne(logins.outcome, "pending"))
        .groupBy(events.slug, logins.outcome)
        .orderBy(events.slug, logins.outcome)
        .all(),
    );
  }
}

const failuresOfEmail = {};
const insertAttempt = {};
const settleAttempt = {};

function failuresQuery(
  c: SqliteConnection,
  eventId: number | Placeholder,
  since: string | Placeholder,
  email?: string | Placeholder,
) {
  const conditions: (SQL | undefined)[] = [
    eq(logins.eventId, eventId),
    email === undefined ? undefined : eq(logins.email, email),
    eq(logins.ok, false),
    ne(logins.outcome, "locked"),
    gt(logins.at, since),
    or(isNull(attendees.lockClearedAfter), gt(logins.id, attendees.lockClearedAfter)),
  ];
  return c.db
    .select({ email: logins.email, at: logins.at, outcome: logins.outcome })
    .from(logins)
    .leftJoin(
      attendees,
      and(eq(attendees.eventId, logins.eventId), eq(attendees.email, logins.email)),
    )
    .where(and(...conditions))
    .orderBy(asc(logins.email), asc(logins.at));
}
