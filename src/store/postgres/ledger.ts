import { and, eq, inArray, sql } from "drizzle-orm";
import type { AttendeeRow } from "../schema.js";
import type { ClaimScope, LedgerQueries, SettlementRow } from "../queries/ledger.js";
import { campaignSettled, deliveredForCurrentCode } from "./attendee-status.js";
import { attendees, deliveries } from "./schema.js";
import type { PgConnection } from "./store.js";

export class PgLedger implements LedgerQueries {
  readonly #c: PgConnection;

  constructor(c: PgConnection) {
    this.#c = c;
  }

  /**
   * A transaction-scoped advisory lock on the scope: READ COMMITTED alone would let two senders
   * both see an attendee unclaimed and both claim them. Held until commit, so the next claimer
   * sees these claims; sends of other templates or events do not wait.
   */
  async holdScope(scope: ClaimScope): Promise<void> {
    const name = `claim:${scope.eventId}:${scope.campaignId ?? ""}:${scope.template}`;
    await this.#c.use((db) => db.execute(sql`select pg_advisory_xact_lock(hashtext(${name}))`));
  }

  claim(
    scope: ClaimScope,
    ids: readonly number[],
    at: string,
    leaseEnd: string,
  ): Promise<{ deliveryId: number; attendee: AttendeeRow }[]> {
    if (ids.length === 0) return Promise.resolve([]);
    const liveClaim = sql`exists (select 1 from ${deliveries} d where d.attendee_id = "attendees"."id" and d.template = ${scope.template} and d.campaign_id is not distinct from ${scope.campaignId}::int and d.status = 'pending' and d.lease_expires_at > ${at})`;
    const done =
      scope.campaignId !== null
        ? campaignSettled(scope.campaignId)
        : scope.onlyDue
          ? deliveredForCurrentCode(scope.template)
          : undefined;
    return this.#c.use(async (db) => {
      const candidates = await db
        .select()
        .from(attendees)
        .where(
          and(
            inArray(attendees.id, [...ids]),
            eq(attendees.eventId, scope.eventId),
            sql`not ${liveClaim}`,
            done ? sql`not ${done}` : undefined,
          ),
        );
      const byId = new Map(candidates.map((a) => [a.id, a]));
      const chosen = ids.flatMap((id) => {
        const attendee = byId.get(id);
        return attendee ? [attendee] : [];
      });
      if (chosen.length === 0) return [];
      const rows = await db
        .insert(deliveries)
        .values(
          chosen.map((attendee) => ({
            eventId: scope.eventId,
            attendeeId: attendee.id,
            template: scope.template,
            purpose: scope.purpose,
            campaignId: scope.campaignId,
            codeVersion: attendee.codeVersion,
            status: "pending" as const,
            attempts: 0,
            leaseOwner: scope.owner,
            leaseExpiresAt: leaseEnd,
            createdAt: at,
            updatedAt: at,
          })),
        )
        .returning({ id: deliveries.id, attendeeId: deliveries.attendeeId });
      const delivery = new Map(rows.map((r) => [r.attendeeId, r.id]));
      return chosen.map((attendee) => {
        const deliveryId = delivery.get(attendee.id);
        if (deliveryId === undefined) throw new Error("a claim was not written");
        return { deliveryId, attendee };
      });
    });
  }

  async renew(owner: string, leaseEnd: string): Promise<void> {
    await this.#c.use((db) =>
      db
        .update(deliveries)
        .set({ leaseExpiresAt: leaseEnd })
        .where(and(eq(deliveries.leaseOwner, owner), eq(deliveries.status, "pending"))),
    );
  }

  /**
   * One statement for the whole group, atomic by itself: a round trip per settlement, or a
   * transaction's BEGIN and COMMIT around it, would be the send's pace.
   */
  async settle(rows: readonly SettlementRow[]): Promise<void> {
    if (rows.length === 0) return;
    // Six array parameters (sql.param: one parameter each, not a list), not a VALUES row per
    // settlement: the statement's text is the same for every group, so neither drizzle nor the
    // server builds a new one for each.
    const column = <K extends keyof SettlementRow>(key: K) => sql.param(rows.map((r) => r[key]));
    await this.#c.use((db) =>
      db.execute(
        sql`update deliveries as d set status = v.status, message_id = v.message_id, response = v.response, attempts = v.attempts, lease_owner = null, lease_expires_at = null, updated_at = v.at from unnest(${column("id")}::int[], ${column("status")}::text[], ${column("messageId")}::text[], ${column("response")}::text[], ${column("attempts")}::int[], ${column("at")}::text[]) as v(id, status, message_id, response, attempts, at) where d.id = v.id`,
      ),
    );
  }

  settleAtExit(): boolean {
    return false;
  }

  async release(deliveryId: number): Promise<void> {
    await this.#c.use((db) =>
      db
        .delete(deliveries)
        .where(and(eq(deliveries.id, deliveryId), eq(deliveries.status, "pending"))),
    );
  }

  pending(eventId: number): Promise<{ id: number; owner: string | null; until: string | null }[]> {
    return this.#c.use((db) =>
      db
        .select({
          id: deliveries.id,
          owner: deliveries.leaseOwner,
          until: deliveries.leaseExpiresAt,
        })
        .from(deliveries)
        .where(and(eq(deliveries.eventId, eventId), eq(deliveries.status, "pending"))),
    );
  }

  async failClaims(ids: readonly number[], response: string, at: string): Promise<void> {
    if (ids.length === 0) return;
    await this.#c.use((db) =>
      db
        .update(deliveries)
        .set({ status: "failed", response, leaseOwner: null, leaseExpiresAt: null, updatedAt: at })
        .where(inArray(deliveries.id, [...ids])),
    );
  }
}
