import { and, eq, inArray, sql } from "drizzle-orm";
import { attendees, deliveries, type AttendeeRow } from "../schema.js";
import type { ClaimScope, LedgerQueries, SettlementRow } from "../queries/ledger.js";
import { campaignSettled, deliveredForCurrentCode } from "./attendee-status.js";
import type { SqliteConnection } from "./store.js";

export class SqliteLedger implements LedgerQueries {
  readonly #c: SqliteConnection;

  constructor(c: SqliteConnection) {
    this.#c = c;
  }

  /** Nothing to take: the transaction's BEGIN IMMEDIATE holds the file's one write lock. */
  holdScope(): Promise<void> {
    return Promise.resolve();
  }

  claim(
    scope: ClaimScope,
    ids: readonly number[],
    at: string,
    leaseEnd: string,
  ): Promise<{ deliveryId: number; attendee: AttendeeRow }[]> {
    return this.#c.use((c) => {
      const { candidate, insert } = c.prepared(scopeKey(scope), () => statements(c, scope));
      const claimed: { deliveryId: number; attendee: AttendeeRow }[] = [];
      for (const id of ids) {
        const attendee = candidate.get({ id, at });
        if (!attendee) continue;
        const row = insert.run({
          eventId: scope.eventId,
          template: scope.template,
          purpose: scope.purpose,
          campaignId: scope.campaignId,
          owner: scope.owner,
          attendeeId: id,
          codeVersion: attendee.codeVersion,
          leaseEnd,
          at,
        });
        claimed.push({ deliveryId: Number(row.lastInsertRowid), attendee });
      }
      return claimed;
    });
  }

  async renew(owner: string, leaseEnd: string): Promise<void> {
    await this.#c.use((c) =>
      c.db
        .update(deliveries)
        .set({ leaseExpiresAt: leaseEnd })
        .where(and(eq(deliveries.leaseOwner, owner), eq(deliveries.status, "pending")))
        .run(),
    );
  }

  async settle(rows: readonly SettlementRow[]): Promise<void> {
    await this.#c.use((c) => {
      const settle = c.prepared(settleKey, () => settleStatement(c));
      const all = () => {
        for (const row of rows) settle.run(row);
      };
      // One commit for the group (one fsync), unless the caller's transaction is that commit.
      if (c.sqlite.inTransaction) all();
      else c.sqlite.transaction(all).immediate();
    });
  }

  settleAtExit(rows: readonly SettlementRow[]): boolean {
    const c = this.#c;
    if (c.sqlite.inTransaction) return false;
    const settle = c.prepared(settleKey, () => settleStatement(c));
    c.sqlite.transaction(() => {
      for (const row of rows) settle.run(row);
    })();
    return true;
  }

  async release(deliveryId: number): Promise<void> {
    await this.#c.use((c) =>
      c
        .prepared(releaseKey, (p) =>
          p.db
            .delete(deliveries)
            .where(and(eq(deliveries.id, sql.placeholder("id")), eq(deliveries.status, "pending")))
            .prepare(),
        )
        .run({ id: deliveryId }),
    );
  }

  pending(eventId: number): Promise<{ id: number; owner: string | null; until: string | null }[]> {
    return this.#c.use((c) =>
      c.db
        .select({
          id: deliveries.id,
          owner: deliveries.leaseOwner,
          until: deliveries.leaseExpiresAt,
        })
        .from(deliveries)
        .where(and(eq(deliveries.eventId, eventId), eq(deliveries.status, "pending")))
        .all(),
    );
  }

  async failClaims(ids: readonly number[], response: string, at: string): Promise<void> {
    if (ids.length === 0) return;
    await this.#c.use((c) =>
      c.db
        .update(deliveries)
        .set({ status: "failed", response, leaseOwner: null, leaseExpiresAt: null, updatedAt: at })
        .where(inArray(deliveries.id, [...ids]))
        .run(),
    );
  }
}

const settleKey = {};
const releaseKey = {};
/** One key object per scope, so each scope's statements are prepared once per connection. */
const scopeKeys = new Map<string, object>();

function scopeKey(scope: ClaimScope): object {
  const name = JSON.stringify([scope.eventId, scope.template, scope.campaignId, scope.onlyDue]);
  let key = scopeKeys.get(name);
  if (!key) {
    key = {};
    scopeKeys.set(name, key);
  }
  return key;
}

function statements(c: SqliteConnection, scope: ClaimScope) {
  const liveClaim = sql`exists (select 1 from ${deliveries} d where d.attendee_id = "attendees"."id" and d.template = ${scope.template} and d.campaign_id is ${scope.campaignId} and d.status = 'pending' and d.lease_expires_at > ${sql.placeholder("at")})`;
  const done =
    scope.campaignId !== null
      ? campaignSettled(scope.campaignId)
      : scope.onlyDue
        ? deliveredForCurrentCode(scope.template)
        : undefined;
  const candidate = c.db
    .select()
    .from(attendees)
    .where(
      and(
        eq(attendees.id, sql.placeholder("id")),
        eq(attendees.eventId, scope.eventId),
        sql`not ${liveClaim}`,
        done ? sql`not ${done}` : undefined,
      ),
    )
    .prepare();
  // The statements run once per message are plain SQL: drizzle's per-call mapping was a
  // measurable share of a send's CPU (see README, Performance).
  const insert = c.sqlite.prepare<
    Pick<ClaimScope, "eventId" | "template" | "purpose" | "owner" | "campaignId"> & {
      attendeeId: number;
      codeVersion: number;
      leaseEnd: string;
      at: string;
    }
  >(
    `INSERT INTO deliveries (event_id, attendee_id, template, purpose, campaign_id, code_version,
       status, attempts, lease_owner, lease_expires_at, created_at, updated_at)
     VALUES (@eventId, @attendeeId, @template, @purpose, @campaignId, @codeVersion, 'pending', 0,
       @owner, @leaseEnd, @at, @at)`,
  );
  return { candidate, insert };
}

function settleStatement(c: SqliteConnection) {
  return c.sqlite.prepare<SettlementRow>(
    `UPDATE deliveries SET status = @status, message_id = @messageId, response = @response,
       attempts = @attempts, lease_owner = NULL, lease_expires_at = NULL, updated_at = @at
     WHERE id = @id`,
  );
}
