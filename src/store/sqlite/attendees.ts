import { and, asc, desc, eq, getTableName, gt, inArray, not, sql, type SQL } from "drizzle-orm";
import { attendees, deliveries, logins, type AttendeeRow } from "../schema.js";
import type {
  AttendeeChanges,
  CodeValues,
  NewAttendee,
  AttendeeFilter,
  AttendeeQueries,
  AttendeeStanding,
  AttendeeStatus,
  DeliveryView,
} from "../queries/attendees.js";
import {
  deliveredForCurrentCode,
  failedSql,
  lastDeliveryAtSql,
  lastLoginAtSql,
  latestCurrentIdSql,
  loggedInSql,
  sentSql,
} from "./attendee-status.js";
import { errorCode } from "../../errors.js";
import type { SqliteConnection } from "./store.js";

/** A row of `standings`, in its select's order, then the latest delivery's status and reply. */
type StandingRow = [
  id: number,
  email: string,
  firstName: string,
  lastName: string,
  fields: string,
  sent: 0 | 1,
  latest: number | null,
  lastDeliveryAt: string | null,
  lastLoginAt: string | null,
  codeChangedAt: string,
  createdAt: string,
  status: string | null,
  response: string | null,
];

const DELIVERIES = `"${getTableName(deliveries)}"`;

function isUniqueViolation(error: unknown): boolean {
  return errorCode(error) === "SQLITE_CONSTRAINT_UNIQUE";
}

export class SqliteAttendees implements AttendeeQueries {
  readonly #c: SqliteConnection;

  constructor(c: SqliteConnection) {
    this.#c = c;
  }

  byEmail(eventId: number, email: string): Promise<AttendeeRow | undefined> {
    // Prepared once: every login looks its attendee up, twice.
    return this.#c.use((c) =>
      c
        .prepared(byEmail, (p) =>
          p.db
            .select()
            .from(attendees)
            .where(
              and(
                eq(attendees.eventId, sql.placeholder("eventId")),
                eq(attendees.email, sql.placeholder("email")),
              ),
            )
            .prepare(),
        )
        .get({ eventId, email }),
    );
  }

  byId(eventId: number, id: number): Promise<AttendeeRow | undefined> {
    return this.#c.use((c) =>
      c.db
        .select()
        .from(attendees)
        .where(and(eq(attendees.eventId, eventId), eq(attendees.id, id)))
        .get(),
    );
  }

  byFingerprint(eventId: number, fingerprint: Buffer): Promise<{ id: number } | undefined> {
    return this.#c.use((c) =>
      c.db
        .select({ id: attendees.id })
        .from(attendees)
        .where(and(eq(attendees.eventId, eventId), eq(attendees.codeFingerprint, fingerprint)))
        .get(),
    );
  }

  fingerprintsTaken(eventId: number, fingerprints: readonly Buffer[]): Promise<Buffer[]> {
    if (fingerprints.length === 0) return Promise.resolve([]);
    return this.#c.use((c) =>
      c.db
        .select({ fingerprint: attendees.codeFingerprint })
        .from(attendees)
        .where(
          and(
            eq(attendees.eventId, eventId),
            inArray(attendees.codeFingerprint, [...fingerprints]),
          ),
        )
        .all()
        .map((r) => r.fingerprint),
    );
  }

  withEmails(
    eventId: number,
    emails: readonly string[],
  ): Promise<Pick<AttendeeRow, "id" | "email" | "firstName" | "lastName" | "fields">[]> {
    if (emails.length === 0) return Promise.resolve([]);
    return this.#c.use((c) =>
      c.db
        .select({
          id: attendees.id,
          email: attendees.email,
          firstName: attendees.firstName,
          lastName: attendees.lastName,
          fields: attendees.fields,
        })
        .from(attendees)
        .where(and(eq(attendees.eventId, eventId), inArray(attendees.email, [...emails])))
        .all(),
    );
  }

  /**
   * AUTOINCREMENT's own counter, or the highest id if it is ahead (rows inserted with explicit
   * ids move it on when they commit): inside the transaction's write lock, nobody takes these.
   */
  reserveIds(count: number): Promise<number[]> {
    return this.#c.use((c) => {
      const row = c.sqlite
        .prepare(
          "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'attendees'), 0), coalesce((SELECT max(id) FROM attendees), 0)) AS id",
        )
        .get() as { id: number };
      return Array.from({ length: count }, (_, i) => row.id + 1 + i);
    });
  }

  async insertMany(rows: readonly NewAttendee[]): Promise<void> {
    await this.#c.use((c) => {
      // One prepared statement run per row: a multi-row INSERT built and parsed for every 500
      // rows cost more main-thread time than sealing and fingerprinting them.
      const insert = c.prepared(insertAttendee, (p) =>
        p.db
          .insert(attendees)
          .values({
            id: sql.placeholder("id"),
            eventId: sql.placeholder("eventId"),
            email: sql.placeholder("email"),
            firstName: sql.placeholder("firstName"),
            lastName: sql.placeholder("lastName"),
            fields: sql.placeholder("fields"),
            codeHash: sql.placeholder("codeHash"),
            codeSealed: sql.placeholder("codeSealed"),
            codeFingerprint: sql.placeholder("codeFingerprint"),
            codeChangedAt: sql.placeholder("codeChangedAt"),
            // A new registration is a new code: failures recorded for the email before it (an
            // attendee removed and imported again, guesses at an unregistered email) lock nothing.
            lockClearedAfter: clearedLockMark(),
            createdAt: sql.placeholder("codeChangedAt"),
            updatedAt: sql.placeholder("codeChangedAt"),
          })
          .prepare(),
      );
      for (const row of rows) insert.run({ ...row });
    });
  }

  async replaceCode(
    eventId: number,
    id: number,
    code: CodeValues,
    replacing?: { codeVersion: number; codeChangedAt: string },
  ): Promise<AttendeeRow | undefined | "code-taken"> {
    try {
      return await this.#c.use((c) =>
        c.db
          .update(attendees)
          .set({
            codeHash: code.codeHash,
            codeSealed: code.codeSealed,
            codeFingerprint: code.codeFingerprint,
            ...(code.bumpVersion ? { codeVersion: sql`${attendees.codeVersion} + 1` } : {}),
            codeSource: code.codeSource,
            codeChangedAt: code.at,
            // Failures against the old code do not lock the new one.
            lockClearedAfter: clearedLockMark(),
            updatedAt: code.at,
          })
          .where(
            and(
              eq(attendees.id, id),
              eq(attendees.eventId, eventId),
              replacing && eq(attendees.codeVersion, replacing.codeVersion),
              replacing && eq(attendees.codeChangedAt, replacing.codeChangedAt),
            ),
          )
          .returning()
          .get(),
      );
    } catch (error) {
      if (isUniqueViolation(error)) return "code-taken";
      throw error;
    }
  }

  seals(): Promise<{ id: number; eventId: number; email: string; sealed: Buffer }[]> {
    return this.#c.use((c) =>
      c.db
        .select({
          id: attendees.id,
          eventId: attendees.eventId,
          email: attendees.email,
          sealed: attendees.codeSealed,
        })
        .from(attendees)
        .all(),
    );
  }

  async resealMany(
    rows: readonly { id: number; sealed: Buffer; fingerprint: Buffer }[],
  ): Promise<void> {
    await this.#c.use((c) => {
      const update = c.sqlite.prepare(
        "UPDATE attendees SET code_sealed = ?, code_fingerprint = ? WHERE id = ?",
      );
      for (const row of rows) update.run(row.sealed, row.fingerprint, row.id);
    });
  }

  ids(eventId: number): Promise<number[]> {
    return this.#c.use((c) =>
      c.db
        .select({ id: attendees.id })
        .from(attendees)
        .where(eq(attendees.eventId, eventId))
        .orderBy(asc(attendees.id))
        .all()
        .map((r) => r.id),
    );
  }

  due(
    eventId: number,
    template: string,
    audience: "unsent" | "all" | "not-logged-in",
    limit?: number,
  ): Promise<AttendeeRow[]> {
    return this.#c.use((c) => {
      const query = c.db
        .select()
        .from(attendees)
        .where(and(eq(attendees.eventId, eventId), audienceCondition(template, audience)))
        .orderBy(asc(attendees.id));
      return limit === undefined ? query.all() : query.limit(limit).all();
    });
  }

  countDue(eventId: number, template: string): Promise<number> {
    return this.#c.use(
      (c) =>
        c.db
          .select({ n: sql<number>`count(*)` })
          .from(attendees)
          .where(and(eq(attendees.eventId, eventId), not(deliveredForCurrentCode(template))))
          .get()?.n ?? 0,
    );
  }

  count(eventId: number): Promise<number> {
    return this.#c.use(
      (c) =>
        c.db
          .select({ n: sql<number>`count(*)` })
          .from(attendees)
          .where(eq(attendees.eventId, eventId))
          .get()?.n ?? 0,
    );
  }

  page(eventId: number, afterId: number, limit: number): Promise<AttendeeRow[]> {
    return this.#c.use((c) =>
      c.db
        .select()
        .from(attendees)
        .where(and(eq(attendees.eventId, eventId), gt(attendees.id, afterId)))
        .orderBy(asc(attendees.id))
        .limit(limit)
        .all(),
    );
  }

  standings(filter: AttendeeFilter): Promise<AttendeeStanding[]> {
    return this.#c.use((c) => {
      const selected = c.db
        .select({
          id: attendees.id,
          email: attendees.email,
          firstName: attendees.firstName,
          lastName: attendees.lastName,
          fields: attendees.fields,
          sent: sentSql,
          latest: latestCurrentIdSql.as("latest"),
          lastDeliveryAt: lastDeliveryAtSql,
          lastLoginAt: lastLoginAtSql,
          codeChangedAt: attendees.codeChangedAt,
          createdAt: attendees.createdAt,
        })
        .from(attendees)
        .where(and(...matching(filter)))
        .orderBy(asc(attendees.id));
      const { sql: text, params } = (
        filter.limit ? selected.limit(filter.limit) : selected
      ).toSQL();
      // `attendees list` of 10,000 spent most of its time here (profiled, README "Performance"):
      // the failed/pending/error fragments each looked up the latest delivery again, and drizzle
      // mapped each row's 13 fields. The latest delivery is joined once; rows are read as arrays.
      const rows = c.sqlite
        .prepare(
          `select x.*, d.status, d.response from (${text}) x left join ${DELIVERIES} d on d.id = x.latest order by x.id`,
        )
        .raw()
        .all(...params) as StandingRow[];
      return rows.map(
        ([
          ,
          email,
          firstName,
          lastName,
          fields,
          sent,
          ,
          lastDeliveryAt,
          lastLoginAt,
          codeChangedAt,
          createdAt,
          status,
          response,
        ]) => {
          const failed = !sent && status === "failed";
          return {
            email,
            firstName,
            lastName,
            fields,
            sent: sent === 1,
            failed,
            pending: !sent && status === "pending",
            lastDeliveryAt,
            deliveryError: failed ? response : null,
            loggedIn: lastLoginAt !== null,
            lastLoginAt,
            codeChangedAt,
            createdAt,
          };
        },
      );
    });
  }

  countMatching(filter: AttendeeFilter): Promise<number> {
    return this.#c.use(
      (c) =>
        c.db
          .select({ n: sql<number>`count(*)` })
          .from(attendees)
          .where(and(...matching(filter)))
          .get()?.n ?? 0,
    );
  }

  names(eventId: number): Promise<{ email: string; firstName: string; lastName: string }[]> {
    return this.#c.use((c) =>
      c.db
        .select({
          email: attendees.email,
          firstName: attendees.firstName,
          lastName: attendees.lastName,
        })
        .from(attendees)
        .where(eq(attendees.eventId, eventId))
        .all(),
    );
  }

  deliveries(attendeeId: number): Promise<DeliveryView[]> {
    return this.#c.use((c) =>
      c.db
        .select({
          template: deliveries.template,
          purpose: deliveries.purpose,
          status: deliveries.status,
          codeVersion: deliveries.codeVersion,
          attempts: deliveries.attempts,
          response: deliveries.response,
          at: deliveries.updatedAt,
        })
        .from(deliveries)
        .where(eq(deliveries.attendeeId, attendeeId))
        .orderBy(desc(deliveries.id))
        .all(),
    );
  }

  logins(
    attendeeId: number,
    limit: number,
  ): Promise<{ ok: boolean; outcome: string; at: string }[]> {
    return this.#c.use((c) =>
      c.db
        .select({ ok: logins.ok, outcome: logins.outcome, at: logins.at })
        .from(logins)
        .where(eq(logins.attendeeId, attendeeId))
        .orderBy(desc(logins.id))
        .limit(limit)
        .all(),
    );
  }

  async update(
    id: number,
    changes: AttendeeChanges,
    options: { clearLock: boolean },
  ): Promise<"updated" | "email-taken"> {
    try {
      await this.#c.use((c) =>
        c.db
          .update(attendees)
          .set({
            ...changes,
            ...(options.clearLock ? { lockClearedAfter: clearedLockMark() } : {}),
          })
          .where(eq(attendees.id, id))
          .run(),
      );
      return "updated";
    } catch (error) {
      if (isUniqueViolation(error)) return "email-taken";
      throw error;
    }
  }

  async remove(id: number): Promise<void> {
    await this.#c.use((c) => c.db.delete(attendees).where(eq(attendees.id, id)).run());
  }

  async replaceHash(id: number, was: string, hash: string): Promise<void> {
    await this.#c.use((c) =>
      c.db
        .update(attendees)
        .set({ codeHash: hash })
        .where(and(eq(attendees.id, id), eq(attendees.codeHash, was)))
        .run(),
    );
  }

  async clearLock(id: number, at: string): Promise<void> {
    await this.#c.use((c) =>
      c.db
        .update(attendees)
        .set({ lockClearedAfter: clearedLockMark(), updatedAt: at })
        .where(eq(attendees.id, id))
        .run(),
    );
  }
}

const byEmail = {};
const insertAttendee = {};

/**
 * The value of `attendees.lockClearedAfter` that clears a lock now: the newest login's id, read
 * inside the write that stores it. Every failure recorded so far stops counting.
 */
export function clearedLockMark(): SQL<number> {
  return sql<number>`(select coalesce(max(${logins.id}), 0) from ${logins})`;
}

/** The filter as WHERE conditions (its limit aside). */
function matching(filter: AttendeeFilter): SQL[] {
  const conditions: SQL[] = [eq(attendees.eventId, filter.eventId)];
  if (filter.search) {
    const like = `%${filter.search.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    conditions.push(
      sql`(evcred_fold(${attendees.email}) like ${like} escape '\\' or evcred_fold(${attendees.firstName} || ' ' || ${attendees.lastName}) like ${like} escape '\\')`,
    );
  }
  if (filter.status) conditions.push(statusCondition(filter.status, filter.locked));
  return conditions;
}

function statusCondition(status: AttendeeStatus, locked: readonly string[]): SQL {
  switch (status) {
    case "unsent":
      return sql`not ${sentSql}`;
    case "sent":
      return sentSql;
    case "failed":
      return failedSql;
    case "logged-in":
      return loggedInSql;
    case "locked":
      return locked.length ? inArray(attendees.email, [...locked]) : sql`0`;
  }
}

function audienceCondition(
  template: string,
  audience: "unsent" | "all" | "not-logged-in",
): SQL | undefined {
  switch (audience) {
    case "unsent":
      return not(deliveredForCurrentCode(template));
    case "all":
      return undefined;
    case "not-logged-in":
      return not(loggedInSql);
  }
}
