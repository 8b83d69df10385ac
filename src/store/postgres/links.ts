import { and, asc, eq } from "drizzle-orm";
import { actionLinks } from "./schema.js";
import type { LinkActionName, LinkQueries } from "../queries/links.js";
import type { PgConnection } from "./store.js";

export class PgLinks implements LinkQueries {
  readonly #c: PgConnection;

  constructor(c: PgConnection) {
    this.#c = c;
  }

  template(eventId: number, action: LinkActionName): Promise<string | undefined> {
    return this.#c.use(async (db) =>
      db
        .select({ template: actionLinks.template })
        .from(actionLinks)
        .where(and(eq(actionLinks.eventId, eventId), eq(actionLinks.action, action)))
        .limit(1)
        .then((rows) => rows[0]?.template),
    );
  }

  list(eventId: number): Promise<{ action: LinkActionName; template: string }[]> {
    return this.#c.use((db) =>
      db
        .select({ action: actionLinks.action, template: actionLinks.template })
        .from(actionLinks)
        .where(eq(actionLinks.eventId, eventId))
        .orderBy(asc(actionLinks.action)),
    );
  }

  async set(eventId: number, action: LinkActionName, template: string): Promise<void> {
    await this.#c.use((db) =>
      db
        .insert(actionLinks)
        .values({ eventId, action, template })
        .onConflictDoUpdate({
          target: [actionLinks.eventId, actionLinks.action],
          set: { template },
        }),
    );
  }

  async remove(eventId: number, action: LinkActionName): Promise<void> {
    await this.#c.use((db) =>
      db
        .delete(actionLinks)
        .where(and(eq(actionLinks.eventId, eventId), eq(actionLinks.action, action))),
    );
  }
}
