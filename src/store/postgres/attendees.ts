import { and, asc, desc, eq, gt, inArray, not, sql, type SQL } from "drizzle-orm";
import type { AttendeeRow } from "../schema.js";
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
  deliveryErrorSql,
  failedSql,
  lastDeliveryAtSql,
  lastLoginAtSql,
  loggedInSql,
  pendingSql,
  sentSql,
} from "./attendee-status.js";
import { attendees, deliveries, logins } from "./schema.js";
import { isUniqueViolation, type PgConnection } from "./store.js";

export class PgAttendees implements AttendeeQueries {
  readonly #c: PgConnection;

  constructor(c: PgConnection) {
    this.#c = c;
  }

  byEmail(eventId: number, email: string): Promise<AttendeeRow | undefined> {
    return this.#c.use(async (db) => {
      const [row] = await db
        .select()
        .from(attendees)
        .where(and(eq(attendees.eventId, eventId), eq(attendees.email, email)));
      return row;
    });
  }

  byId(eventId: number, id: number): Promise<AttendeeRow | undefined> {
    return this.#c.use(async (db) => {
      const [row] = await db
        .select()
        .from(attendees)
        .where(and(eq(attendees.eventId, eventId), eq(attendees.id, id)));
      return row;
    });
  }

  byFingerprint(eventId: number, fingerprint: Buffer): Promise<{ id: number } | undefined> {
    return this.#c.use(async (db) => {
      const [row] = await db
        .select({ id: attendees.id })
        .from(attendees)
        .where(and(eq(attendees.eventId, eventId), eq(attendees.codeFingerprint, fingerprint)));
      return row;
    });
  }

  fingerprintsTaken(eventId: number, fingerprints: readonly Buffer[]): Promise<Buffer[]> {
    if (fingerprints.length === 0) return Promise.resolve([]);
    return this.#c.use(async (db) =>
      (
        await db
          .select({ fingerprint: attendees.codeFingerprint })
          .from(attendees)
          .where(
            and(
              eq(attendees.eventId, eventId),
              inArray(attendees.codeFingerprint, [...fingerprints]),
            ),
          )
      ).map((r) => r.fingerprint),
    );
  }

  withEmails(
    eventId: number,
    emails: readonly string[],
  ): Promise<Pick<AttendeeRow, "id" | "email" | "firstName" | "lastName" | "fields">[]> {
    if (emails.length === 0) return Promise.resolve([]);
    return this.#c.use((db) =>
      db
        .select({
          id: attendees.id,
          email: attendees.email,
          firstName: attendees.firstName,
          lastName: attendees.lastName,
          fields: attendees.fields,
        })
        .from(attendees)
        .where(and(eq(attendees.eventId, eventId), inArray(attendees.email, [...emails]))),
    );
  }

  /**
   * From the id column's sequence: never handed out twice, whoever else is importing, committed
   * or rolled back (a rolled-back run is a gap, as on SQLite an id is never reused).
   */
  reserveIds(count: number): Promise<number[]> {
    if (count === 0) return Promise.resolve([]);
    return this.#c.use(async (db) => {
      const result = await db.execute<{ id: number }>(
        sql`select nextval(pg_get_serial_sequence('attendees', 'id'))::int as id from generate_series(1, ${count})`,
      );
      return result.rows.map((r) => r.id).sort((a, b) => a - b);
    });
  }

  async insertMany(rows: readonly NewAttendee[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#c.use(async (db) => {
      // 500 rows a statement: 10 parameters each, well under PostgreSQL's 65,535.
      for (let i = 0; i < rows.length; i += 500) {
        await db.insert(attendees).values(
          rows.slice(i, i + 500).map((row) => ({
            ...row,
            lockClearedAfter: clearedLockMark(),
            createdAt: row.codeChangedAt,
            updatedAt: row.codeChangedAt,
          })),
        );
      }
    });
  }

  async replaceCode(
    eventId: number,
    id: number,
    code: CodeValues,
    replacing?: { codeVersion: number; codeChangedAt: string },
  ): Promise<AttendeeRow | undefined | "code-taken"> {
    try {
      return await this.#c.use(async (db) => {
        const [row] = await db
          .update(attendees)
          .set({
            codeHash: code.codeHash,
            codeSealed: code.codeSealed,
            codeFingerprint: code.codeFingerprint,
            ...(code.bumpVersion ? { codeVersion: sql`${attendees.codeVersion} + 1` } : {}),
            codeSource: code.codeSource,
            codeChangedAt: code.at,
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
          .returning();
        return row;
      });
    } catch (error) {
      if (isUniqueViolation(error)) return "code-taken";
      throw error;
    }
  }

  seals(): Promise<{ id: number; eventId: number; email: string; sealed: Buffer }[]> {
    return this.#c.use((db) =>
      db
        .select({
          id: attendees.id,
          eventId: attendees.eventId,
          email: attendees.email,
          sealed: attendees.codeSealed,
        })
        .from(attendees),
    );
  }

  async resealMany(
    rows: readonly { id: number; sealed: Buffer; fingerprint: Buffer }[],
  ): Promise<void> {
    await this.#c.use(async (db) => {
      // 1,000 rows a statement (3,000 parameters): one round trip each, not one per code.
      for (let i = 0; i < rows.length; i += 1_000) {
        const values = sql.join(
          rows
            .slice(i, i + 1_000)
            .map((r) => sql`(${r.id}::int, ${r.sealed}::bytea, ${r.fingerprint}::bytea)`),
          sql`, `,
        );
        await db.execute(
          sql`update attendees as a set code_sealed = v.sealed, code_fingerprint = v.fingerprint from (values ${values}) as v(id, sealed, fingerprint) where a.id = v.id`,
        );
      }
    });
  }

  ids(eventId: number): Promise<number[]> {
    return this.#c.use(async (db) =>
      (
        await db
          .select({ id: attendees.id })
          .from(attendees)
          .where(eq(attendees.eventId, eventId))
          .orderBy(asc(attendees.id))
      ).map((r) => r.id),
    );
  }

  due(
    eventId: number,
    template: string,
    audience: "unsent" | "all" | "not-logged-in",
    limit?: number,
  ): Promise<AttendeeRow[]> {
    return this.#c.use((db) => {
      const query = db
        .select()
        .from(attendees)
        .where(and(eq(attendees.eventId, eventId), audienceCondition(template, audience)))
        .orderBy(asc(attendees.id));
      return limit === undefined ? query : query.limit(limit);
    });
  }

  countDue(eventId: number, template: string): Promise<number> {
    return this.#c.use(async (db) => {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(attendees)
        .where(and(eq(attendees.eventId, eventId), not(deliveredForCurrentCode(template))));
      return row?.n ?? 0;
    });
  }

  count(eventId: number): Promise<number> {
    return this.#c.use(async (db) => {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(attendees)
        .where(eq(attendees.eventId, eventId));
      return row?.n ?? 0;
    });
  }

  page(eventId: number, afterId: number, limit: number): Promise<AttendeeRow[]> {
    return this.#c.use((db) =>
      db
        .select()
        .from(attendees)
        .where(and(eq(attendees.eventId, eventId), gt(attendees.id, afterId)))
        .orderBy(asc(attendees.id))
        .limit(limit),
    );
  }

  standings(filter: AttendeeFilter): Promise<AttendeeStanding[]> {
    return this.#c.use((db) => {
      const query = db
        .select({
          email: attendees.email,
          firstName: attendees.firstName,
          lastName: attendees.lastName,
          fields: attendees.fields,
          sent: sentSql,
          failed: failedSql,
          pending: pendingSql,
          lastDeliveryAt: lastDeliveryAtSql,
          deliveryError: deliveryErrorSql,
          loggedIn: loggedInSql,
          lastLoginAt: lastLoginAtSql,
          codeChangedAt: attendees.codeChangedAt,
          createdAt: attendees.createdAt,
        })
        .from(attendees)
        .where(and(...matching(filter)))
        .orderBy(asc(attendees.id));
      return filter.limit ? query.limit(filter.limit) : query;
    });
  }

  countMatching(filter: AttendeeFilter): Promise<number> {
    return this.#c.use(async (db) => {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(attendees)
        .where(and(...matching(filter)));
      return row?.n ?? 0;
    });
  }

  names(eventId: number): Promise<{ email: string; firstName: string; lastName: string }[]> {
    return this.#c.use((db) =>
      db
        .select({
          email: attendees.email,
          firstName: attendees.firstName,
          lastName: attendees.lastName,
        })
        .from(attendees)
        .where(eq(attendees.eventId, eventId)),
    );
  }

  deliveries(attendeeId: number): Promise<DeliveryView[]> {
    return this.#c.use((db) =>
      db
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
        .orderBy(desc(deliveries.id)),
    );
  }

  logins(
    attendeeId: number,
    limit: number,
  ): Promise<{ ok: boolean; outcome: string; at: string }[]> {
    return this.#c.use((db) =>
      db
        .select({ ok: logins.ok, outcome: logins.outcome, at: logins.at })
        .from(logins)
        .where(eq(logins.attendeeId, attendeeId))
        .orderBy(desc(logins.id))
        .limit(limit),
    );
  }

  async update(
    id: number,
    changes: AttendeeChanges,
    options: { clearLock: boolean },
  ): Promise<"updated" | "email-taken"> {
    try {
      await this.#c.use((db) =>
        db
          .update(attendees)
          .set({
            ...changes,
            ...(options.clearLock ? { lockClearedAfter: clearedLockMark() } : {}),
          })
          .where(eq(attendees.id, id)),
      );
      return "updated";
    } catch (error) {
      if (isUniqueViolation(error)) return "email-taken";
      throw error;
    }
  }

  async remove(id: number): Promise<void> {
    await this.#c.use((db) => db.delete(attendees).where(eq(attendees.id, id)));
  }

  async replaceHash(id: number, was: string, hash: string): Promise<void> {
    await this.#c.use((db) =>
      db
        .update(attendees)
        .set({ codeHash: hash })
        .where(and(eq(attendees.id, id), eq(attendees.codeHash, was))),
    );
  }

  async clearLock(id: number, at: string): Promise<void> {
    await this.#c.use((db) =>
      db
        .update(attendees)
        .set({ lockClearedAfter: clearedLockMark(), updatedAt: at })
        .where(eq(attendees.id, id)),
    );
  }
}

/**
 * The value of `attendees.lockClearedAfter` that clears a lock now: the newest login's id. Ids
 * come from a sequence, so an attempt another machine records a moment later has a larger one,
 * and counts; one already recorded, committed or not, has a smaller one and does not: the
 * sequence's last value (0 before the first), not max(id), which cannot see uncommitted rows.
 */
export function clearedLockMark(): SQL<number> {
  return sql<number>`(select case when is_called then last_value else 0 end from logins_id_seq)`;
}

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
      return locked.length ? inArray(attendees.email, [...locked]) : sql`false`;
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
