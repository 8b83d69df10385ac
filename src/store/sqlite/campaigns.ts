import { and, asc, desc, eq, inArray, like, not, sql } from "drizzle-orm";
import {
  attendees,
  auditLog,
  campaigns,
  deliveries,
  events,
  type AttendeeRow,
  type CampaignRow,
  type EventRow,
} from "../schema.js";
import type {
  CampaignAudienceName,
  CampaignQueries,
  CampaignValues,
} from "../queries/campaigns.js";
import { campaignSettled, loggedInSql, sentSql } from "./attendee-status.js";
import type { SqliteConnection } from "./store.js";

export class SqliteCampaigns implements CampaignQueries {
  readonly #c: SqliteConnection;

  constructor(c: SqliteConnection) {
    this.#c = c;
  }

  insert(
    values: Pick<
      CampaignValues,
      "eventId" | "template" | "audience" | "whenText" | "fixedAt" | "status" | "createdAt"
    >,
  ): Promise<CampaignRow> {
    return this.#c.use((c) => c.db.insert(campaigns).values(values).returning().get());
  }

  list(eventId: number): Promise<CampaignRow[]> {
    return this.#c.use((c) =>
      c.db
        .select()
        .from(campaigns)
        .where(eq(campaigns.eventId, eventId))
        .orderBy(asc(campaigns.id))
        .all(),
    );
  }

  byId(id: number): Promise<{ campaign: CampaignRow; event: EventRow } | undefined> {
    return this.#c.use((c) =>
      c.db
        .select({ campaign: campaigns, event: events })
        .from(campaigns)
        .innerJoin(events, eq(events.id, campaigns.eventId))
        .where(eq(campaigns.id, id))
        .get(),
    );
  }

  update(id: number, changes: Partial<CampaignValues>): Promise<CampaignRow> {
    return this.#c.use((c) =>
      c.db.update(campaigns).set(changes).where(eq(campaigns.id, id)).returning().get(),
    );
  }

  /** Nothing to take: the transaction's BEGIN IMMEDIATE holds the file's one write lock. */
  holdTakes(): Promise<void> {
    return Promise.resolve();
  }

  open(): Promise<{ campaign: CampaignRow; event: EventRow }[]> {
    return this.#c.use((c) =>
      c.db
        .select({ campaign: campaigns, event: events })
        .from(campaigns)
        .innerJoin(events, eq(events.id, campaigns.eventId))
        .where(inArray(campaigns.status, ["scheduled", "running"]))
        .orderBy(asc(campaigns.id))
        .all(),
    );
  }

  renew(id: number, owner: string, until: string): Promise<boolean> {
    return this.#c.use(
      (c) =>
        c.db
          .update(campaigns)
          .set({ leaseExpiresAt: until })
          .where(
            and(
              eq(campaigns.id, id),
              eq(campaigns.leaseOwner, owner),
              eq(campaigns.status, "running"),
            ),
          )
          .run().changes > 0,
    );
  }

  async finish(
    id: number,
    owner: string,
    changes: Pick<CampaignValues, "status" | "finishedAt">,
  ): Promise<void> {
    await this.#c.use((c) =>
      c.db
        .update(campaigns)
        .set({ ...changes, leaseOwner: null, leaseExpiresAt: null })
        .where(and(eq(campaigns.id, id), eq(campaigns.leaseOwner, owner)))
        .run(),
    );
  }

  lastRunSummary(id: number): Promise<string | undefined> {
    return this.#c.use(
      (c) =>
        c.db
          .select({ summary: auditLog.summary })
          .from(auditLog)
          .where(
            and(eq(auditLog.action, "campaign.run"), like(auditLog.summary, `campaign ${id}: %`)),
          )
          .orderBy(desc(auditLog.id))
          .limit(1)
          .get()?.summary,
    );
  }

  audience(eventId: number, id: number, audience: CampaignAudienceName): Promise<AttendeeRow[]> {
    const condition = {
      unsent: not(sentSql),
      all: undefined,
      "not-logged-in": not(loggedInSql),
    }[audience];
    return this.#c.use((c) =>
      c.db
        .select()
        .from(attendees)
        .where(and(eq(attendees.eventId, eventId), condition, not(campaignSettled(id))))
        .orderBy(asc(attendees.id))
        .all(),
    );
  }

  counts(id: number): Promise<{ status: "pending" | "sent" | "failed"; n: number }[]> {
    return this.#c.use((c) =>
      c.db
        .select({ status: deliveries.status, n: sql<number>`count(*)` })
        .from(deliveries)
        .where(
          and(
            eq(deliveries.campaignId, id),
            sql`${deliveries.id} = (select max(l.id) from ${deliveries} l where l.campaign_id = ${deliveries.campaignId} and l.attendee_id = ${deliveries.attendeeId})`,
          ),
        )
        .groupBy(deliveries.status)
        .all(),
    );
  }
}
