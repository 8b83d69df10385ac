import { and, asc, desc, eq, gte, isNull, like, or, sql, type SQL } from "drizzle-orm";
import { attendees, auditLog, events, type EventRow } from "../schema.js";
import type {
  AuditEntryView,
  AuditFilterValues,
  AuditQueries,
  AuditValues,
  CodeChange,
  EventQueries,
  EventValues,
} from "../queries/events.js";
import type { SqliteConnection } from "./store.js";

export class SqliteEvents implements EventQueries {
  readonly #c: SqliteConnection;

  constructor(c: SqliteConnection) {
    this.#c = c;
  }

  bySlug(slug: string): Promise<EventRow | undefined> {
    // Prepared once: every API login looks its event up.
    return this.#c.use((c) =>
      c
        .prepared(SqliteEvents, (p) =>
          p.db
            .select()
            .from(events)
            .where(eq(events.slug, sql.placeholder("slug")))
            .prepare(),
        )
        .get({ slug }),
    );
  }

  byId(id: number): Promise<EventRow | undefined> {
    return this.#c.use((c) => c.db.select().from(events).where(eq(events.id, id)).get());
  }

  list(): Promise<EventRow[]> {
    return this.#c.use((c) =>
      c.db.select().from(events).orderBy(asc(events.createdAt), asc(events.id)).all(),
    );
  }

  insert(values: EventValues): Promise<EventRow> {
    return this.#c.use((c) => c.db.insert(events).values(values).returning().get());
  }

  update(id: number, changes: Partial<EventValues>): Promise<EventRow> {
    return this.#c.use((c) =>
      c.db.update(events).set(changes).where(eq(events.id, id)).returning().get(),
    );
  }
}

export class SqliteAudit implements AuditQueries {
  readonly #c: SqliteConnection;

  constructor(c: SqliteConnection) {
    this.#c = c;
  }

  async insert(values: AuditValues): Promise<void> {
    await this.#c.use((c) => c.db.insert(auditLog).values(values).run());
  }

  page(filter: AuditFilterValues): Promise<{ entries: AuditEntryView[]; total: number }> {
    const where = auditWhere(filter);
    return this.#c.use((c) => {
      const query = c.db
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
      const entries = filter.limit === undefined ? query.all() : query.limit(filter.limit).all();
      const total =
        c.db
          .select({ n: sql<number>`count(*)` })
          .from(auditLog)
          .where(where)
          .get()?.n ?? 0;
      return { entries, total };
    });
  }

  importedBy(eventId: number, at: string): Promise<string | undefined> {
    return this.#c.use(
      (c) =>
        c.db
          .select({ actor: auditLog.actor })
          .from(auditLog)
          .where(
            and(eq(auditLog.eventId, eventId), eq(auditLog.action, "import"), eq(auditLog.at, at)),
          )
          .orderBy(asc(auditLog.id))
          .get()?.actor,
    );
  }

  codeChanges(attendeeId: number, since: string): Promise<CodeChange[]> {
    return this.#c.use((c) =>
      c.db
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
        .orderBy(asc(auditLog.id))
        .all(),
    );
  }
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
