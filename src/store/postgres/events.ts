import { and, asc, desc, eq, gte, isNull, like, or, sql, type SQL } from "drizzle-orm";
import { attendees, auditLog, events } from "./schema.js";
import type { EventRow } from "../schema.js";
import type {
  AuditEntryView,
  AuditFilterValues,
  AuditQueries,
  AuditValues,
  CodeChange,
  EventQueries,
  EventValues,
} from "../queries/events.js";
import type { PgConnection } from "./store.js";

export class PgEvents implements EventQueries {
  readonly #c: PgConnection;

  constructor(c: PgConnection) {
    this.#c = c;
  }

  bySlug(slug: string): Promise<EventRow | undefined> {
    return this.#c.use(async (db) => {
      const [row] = await db.select().from(events).where(eq(events.slug, slug));
      return row;
    });
  }

  byId(id: number): Promise<EventRow | undefined> {
    return this.#c.use(async (db) => {
      const [row] = await db.select().from(events).where(eq(events.id, id));
      return row;
    });
  }

  list(): Promise<EventRow[]> {
    return this.#c.use((db) =>
      db.select().from(events).orderBy(asc(events.createdAt), asc(events.id)),
    );
  }

  insert(values: EventValues): Promise<EventRow> {
    return this.#c.use(async (db) => one(await db.insert(events).values(values).returning()));
  }

  update(id: number, changes: Partial<EventValues>): Promise<EventRow> {
    return this.#c.use(async (db) =>
      one(await db.update(events).set(changes).where(eq(events.id, id)).returning()),
    );
  }
}

export class PgAudit implements AuditQueries {
  readonly #c: PgConnection;

  constructor(c: PgConnection) {
    this.#c = c;
  }

  async insert(values: AuditValues): Promise<void> {
    await this.#c.use((db) => db.insert(auditLog).values(values));
  }

  page(filter: AuditFilterValues): Promise<{ entries: AuditEntryView[]; total: number }> {
    const where = auditWhere(filter);
    return this.#c.use(async (db) => {
      const query = db
        .select({
          id: auditLog.id,
          at: auditLog.at,
          actor: auditLog.actor,
          action: auditLog.action,
          event: events.slug,
          email: auditLog.email,
          summary: auditLog.summary,
        })
        .from(auditLog)
        .leftJoin(events, eq(events.id, auditLog.eventId))
        .where(where)
        .orderBy(desc(auditLog.at), desc(auditLog.id));
      const entries = filter.limit === undefined ? await query : await query.limit(filter.limit);
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(auditLog)
        .where(where);
      return { entries, total: row?.n ?? 0 };
    });
  }

  importedBy(eventId: number, at: string): Promise<string | undefined> {
    return this.#c.use(async (db) => {
      const [row] = await db
        .select({ actor: auditLog.actor })
        .from(auditLog)
        .where(
          and(eq(auditLog.eventId, eventId), eq(auditLog.action, "import"), eq(auditLog.at, at)),
        )
        .orderBy(asc(auditLog.id))
        .limit(1);
      return row?.actor;
    });
  }

  codeChanges(attendeeId: number, since: string): Promise<CodeChange[]> {
    return this.#c.use((db) =>
      db
        .select({
          at: auditLog.at,
          actor: auditLog.actor,
          action: auditLog.action,
          summary: auditLog.summary,
        })
        .from(auditLog)
        .where(
          and(
            eq(auditLog.attendeeId, attendeeId),
            gte(auditLog.at, since),
            like(auditLog.action, "code.%"),
          ),
        )
        .orderBy(asc(auditLog.id)),
    );
  }
}

/** The one row a `returning()` of a single-row write gives. */
export function one<T>(rows: T[]): T {
  const [row] = rows;
  if (row === undefined) throw new Error("the write returned no row");
  return row;
}

function auditWhere(filter: AuditFilterValues): SQL | undefined {
  const conditions: SQL[] = [];
  if (filter.eventId !== undefined) {
    const scope = or(eq(auditLog.eventId, filter.eventId), isNull(auditLog.eventId));
    if (scope) conditions.push(scope);
  }
  if (filter.email !== undefined) conditions.push(aboutAttendee(filter.email));
  if (filter.since !== undefined) conditions.push(gte(auditLog.at, filter.since));
  return conditions.length ? and(...conditions) : undefined;
}

/**
 * The entries of the attendee who has, or ever had, `email`: an email fixed with
 * `attendees update` leaves the earlier entries under the old one, and both find all of them.
 */
function aboutAttendee(email: string): SQL {
  const ids = sql`select ${auditLog.attendeeId} from ${auditLog} where ${auditLog.email} = ${email} and ${auditLog.attendeeId} is not null
    union select ${attendees.id} from ${attendees} where ${attendees.email} = ${email}`;
  return sql`(${auditLog.email} = ${email} or ${auditLog.attendeeId} in (${ids}))`;
}
