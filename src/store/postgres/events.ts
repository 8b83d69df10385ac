import { asc, eq } from "drizzle-orm";
import { auditLog, events } from "./schema.js";
import type { EventRow } from "../schema.js";
import type { AuditQueries, AuditValues, EventQueries, EventValues } from "../queries/events.js";
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
}

/** The one row a `returning()` of a single-row write gives. */
export function one<T>(rows: T[]): T {
  const [row] = rows;
  if (row === undefined) throw new Error("the write returned no row");
  return row;
}
