import { and, asc, eq } from "drizzle-orm";
import { actionLinks } from "../schema.js";
import type { LinkActionName, LinkQueries } from "../queries/links.js";
import type { SqliteConnection } from "./store.js";

export class SqliteLinks implements LinkQueries {
  readonly #c: SqliteConnection;

  constructor(c: SqliteConnection) {
    this.#c = c;
  }

  template(eventId: number, action: LinkActionName): Promise<string | undefined> {
    return this.#c.use(
      (c) =>
        c.db
          .select({ template: actionLinks.template })
          .from(actionLinks)
          .where(and(eq(actionLinks.eventId, eventId), eq(actionLinks.action, action)))
          .get()?.template,
    );
  }

  list(eventId: number): Promise<{ action: LinkActionName; template: string }[]> {
    return this.#c.use((c) =>
      c.db
        .select({ action: actionLinks.action, template: actionLinks.template })
        .from(actionLinks)
        .where(eq(actionLinks.eventId, eventId))
        .orderBy(asc(actionLinks.action))
        .all(),
    );
  }

  async set(eventId: number, action: LinkActionName, template: string): Promise<void> {
    await this.#c.use((c) =>
      c.db
        .insert(actionLinks)
        .values({ eventId, action, template })
        .onConflictDoUpdate({
          target: [actionLinks.eventId, actionLinks.action],
          set: { template },
        })
        .run(),
    );
  }

  async remove(eventId: number, action: LinkActionName): Promise<void> {
    await this.#c.use((c) =>
      c.db
        .delete(actionLinks)
        .where(and(eq(actionLinks.eventId, eventId), eq(actionLinks.action, action)))
        .run(),
    );
  }
}
