import { and, asc, desc, eq, inArray, like, not, sql } from "drizzle-orm";
import type { AttendeeRow, CampaignRow, EventRow } from "../schema.js";
import type {
  CampaignAudienceName,
  CampaignQueries,
  CampaignValues,
} from "../queries/campaigns.js";
import { campaignSettled, loggedInSql, sentSql } from "./attendee-status.js";
import { one } from "./events.js";
import { attendees, auditLog, campaigns, deliveries, events } from "./schema.js";
import type { PgConnection } from "./store.js";

/** The advisory lock every campaign take holds (a constant: takes are rare and short). */
const TAKES_LOCK = 0x65766372; // "evcr"

export class PgCampaigns implements CampaignQueries {
  readonly #c: PgConnection;

  constructor(c: PgConnection) {
    this.#c = c;
  }

  insert(
    values: Pick<
      CampaignValues,
      "eventId" | "template" | "audience" | "whenText" | "fixedAt" | "status" | "createdAt"
    >,
  ): Promise<CampaignRow> {
    return this.#c.use(async (db) => one(await db.insert(campaigns).values(values).returning()));
  }

  list(eventId: number): Promise<CampaignRow[]> {
    return this.#c.use((db) =>
      db.select().from(campaigns).where(eq(campaigns.eventId, eventId)).orderBy(asc(campaigns.id)),
    );
  }

  byId(id: number): Promise<{ campaign: CampaignRow; event: EventRow } | undefined> {
    return this.#c.use(async (db) => {
      const [row] = await db
        .select({ campaign: campaigns, event: events })
        .from(campaigns)
        .innerJoin(events, eq(events.id, campaigns.eventId))
        .where(eq(campaigns.id, id));
      return row;
    });
  }

  update(id: number, changes: Partial<CampaignValues>): Promise<CampaignRow> {
    return this.#c.use(async (db) =>
      one(await db.update(campaigns).set(changes).where(eq(campaigns.id, id)).returning()),
    );
  }

  /**
   * READ COMMITTED alone would let two runners both read a campaign as scheduled and both run
   * it: every take holds one advisory lock until it commits, and the next take reads its result.
   */
  async holdTakes(): Promise<void> {
    await this.#c.use((db) => db.execute(sql`select pg_advisory_xact_lock(${TAKES_LOCK})`));
  }

  open(): Promise<{ campaign: CampaignRow; event: EventRow }[]> {
    return this.#c.use((db) =>
      db
        .select({ campaign: campaigns, event: events })
        .from(campaigns)
        .innerJoin(events, eq(events.id, campaigns.eventId))
        .where(inArray(campaigns.status, ["scheduled", "running"]))
        .orderBy(asc(campaigns.id)),
    );
  }

  renew(id: number, owner: string, until: string): Promise<boolean> {
    return this.#c.use(async (db) => {
      const rows = await db
        .update(campaigns)
        .set({ leaseExpiresAt: until })
        .where(
          and(
            eq(campaigns.id, id),
            eq(campaigns.leaseOwner, owner),
            eq(campaigns.status, "running"),
          ),
        )
        .returning({ id: campaigns.id });
      return rows.length > 0;
    });
  }

  async finish(
    id: number,
    owner: string,
    changes: Pick<CampaignValues, "status" | "finishedAt">,
  ): Promise<void> {
    await this.#c.use((db) =>
      db
        .update(campaigns)
        .set({ ...changes, leaseOwner: null, leaseExpiresAt: null })
        .where(and(eq(campaigns.id, id), eq(campaigns.leaseOwner, owner))),
    );
  }

  lastRunSummary(id: number): Promise<string | undefined> {
    return this.#c.use(async (db) => {
      const [row] = await db
        .select({ summary: auditLog.summary })
        .from(auditLog)
        .where(
          and(eq(auditLog.action, "campaign.run"), like(auditLog.summary, `campaign ${id}: %`)),
        )
        .orderBy(desc(auditLog.id))
        .limit(1);
      return row?.summary;
    });
  }

  audience(eventId: number, id: number, audience: CampaignAudienceName): Promise<AttendeeRow[]> {
    const condition = {
      unsent: not(sentSql),
      all: undefined,
      "not-logged-in": not(loggedInSql),
    }[audience];
    return this.#c.use((db) =>
      db
        .select()
        .from(attendees)
        .where(and(eq(attendees.eventId, eventId), condition, not(campaignSettled(id))))
        .orderBy(asc(attendees.id)),
    );
  }

  counts(id: number): Promise<{ status: "pending" | "sent" | "failed"; n: number }[]> {
    return this.#c.use((db) =>
      db
        .select({ status: deliveries.status, n: sql<number>`count(*)::int` })
        .from(deliveries)
        .where(
          and(
            eq(deliveries.campaignId, id),
            sql`${deliveries.id} = (select max(l.id) from ${deliveries} l where l.campaign_id = ${deliveries.campaignId} and l.attendee_id = ${deliveries.attendeeId})`,
          ),
        )
        .groupBy(deliveries.status),
    );
  }
}
