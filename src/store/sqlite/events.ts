import { asc, eq, sql } from "drizzle-orm";
import { auditLog, events, type EventRow } from "../schema.js";
import type { AuditQueries, AuditValues, EventQueries, EventValues } from "../queries/events.js";
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
}
