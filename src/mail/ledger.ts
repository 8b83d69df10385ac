/**
 * The delivery ledger of one sending run: the rows that say who is being sent what, kept with
 * prepared statements because a run writes one row per message and must not spend its time
 * building SQL. A delivery is claimed (`pending`, leased to this run) before its message goes
 * out, and settled (`sent` or `failed`) after; a claim never attempted is released (deleted), so
 * the attendee stays due. Settlements are group-committed: those made in one turn of the event
 * loop are written in one transaction at its end, and each caller resumes once its row is written.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { hostname } from "node:os";
import { errorCode } from "../errors.js";
import { campaignSettled, deliveredForCurrentCode } from "../domain/recipients.js";
import { attendees, deliveries, type AttendeeRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";

const LEASE_MS = 10 * 60 * 1000;

export interface LedgerScope {
  eventId: number;
  template: string;
  purpose: "send" | "resend" | "reset" | "campaign" | "self-service";
  /**
   * The campaign sending, or null for `send`, `resend` and `reset`. Each campaign is its own
   * scope: its deliveries neither count for nor block the plain sends, nor another campaign's.
   */
  campaignId: number | null;
  /** `host:pid:nonce` of the claiming process, so a later run can tell a dead claim. */
  owner: string;
  /**
   * Only attendees still without this template for their current code (plain sends). A
   * campaign always skips those it already sent or failed for good: it mails each attendee once.
   */
  onlyDue: boolean;
  now: () => Date;
}

export interface Claim {
  deliveryId: number;
  attendee: AttendeeRow;
}

export interface Settlement {
  status: "sent" | "failed";
  messageId: string | null;
  response: string;
  attempts: number;
}

interface WaitingSettlement {
  row: Settlement & { id: number; at: string };
  written: () => void;
  failed: (error: unknown) => void;
}

export class DeliveryLedger {
  readonly #ws: Workspace;
  readonly #scope: LedgerScope;
  readonly #candidate;
  readonly #insert;
  readonly #settle;
  readonly #settleAll;
  readonly #release;
  #waiting: WaitingSettlement[] = [];

  constructor(ws: Workspace, scope: LedgerScope) {
    this.#ws = ws;
    this.#scope = scope;
    const liveClaim = sql`exists (select 1 from ${deliveries} d where d.attendee_id = "attendees"."id" and d.template = ${scope.template} and d.campaign_id is ${scope.campaignId} and d.status = 'pending' and d.lease_expires_at > ${sql.placeholder("at")})`;
    const done =
      scope.campaignId !== null
        ? campaignSettled(scope.campaignId)
        : scope.onlyDue
          ? deliveredForCurrentCode(scope.template)
          : undefined;
    this.#candidate = ws.db
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
    // The two statements run once per message are plain SQL: drizzle's per-call mapping was a
    // measurable share of a send's CPU (see README, Performance).
    this.#insert = ws.sqlite.prepare<
      Pick<LedgerScope, "eventId" | "template" | "purpose" | "owner" | "campaignId"> & {
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
    this.#settle = ws.sqlite.prepare<Settlement & { id: number; at: string }>(
      `UPDATE deliveries SET status = @status, message_id = @messageId, response = @response,
         attempts = @attempts, lease_owner = NULL, lease_expires_at = NULL, updated_at = @at
       WHERE id = @id`,
    );
    this.#settleAll = ws.sqlite.transaction((rows: readonly WaitingSettlement["row"][]) => {
      for (const row of rows) this.#settle.run(row);
    });
    this.#release = ws.db
      .delete(deliveries)
      .where(and(eq(deliveries.id, sql.placeholder("id")), eq(deliveries.status, "pending")))
      .prepare();
  }

  /**
   * Claims those of `ids` nobody else is sending this template to (and, with `onlyDue`, who
   * still need it), in one write transaction; the others are left out.
   */
  claim(ids: readonly number[]): Claim[] {
    const now = this.#scope.now();
    const at = now.toISOString();
    const leaseEnd = new Date(now.getTime() + LEASE_MS).toISOString();
    return this.#ws.transactionSync(() => {
      const claimed: Claim[] = [];
      for (const id of ids) {
        const attendee = this.#candidate.get({ id, at });
        if (!attendee) continue;
        const row = this.#insert.run({
          eventId: this.#scope.eventId,
          template: this.#scope.template,
          purpose: this.#scope.purpose,
          campaignId: this.#scope.campaignId,
          owner: this.#scope.owner,
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

  /** Extends this run's leases: a slow run (a low --rate, long retries) keeps what it claimed. */
  renew(): void {
    const now = this.#scope.now();
    this.#ws.db
      .update(deliveries)
      .set({ leaseExpiresAt: new Date(now.getTime() + LEASE_MS).toISOString() })
      .where(and(eq(deliveries.leaseOwner, this.#scope.owner), eq(deliveries.status, "pending")))
      .run();
  }

  /**
   * Records how a delivery ended; resolves once it is written. A message's delivery counts as in
   * flight until then: a crash before it leaves the row pending, and a later run sends it again.
   */
  settle(deliveryId: number, result: Settlement): Promise<void> {
    return new Promise((written, failed) => {
      const row = { ...result, id: deliveryId, at: this.#scope.now().toISOString() };
      this.#waiting.push({ row, written, failed });
      if (this.#waiting.length === 1) {
        setImmediate(() => {
          this.writeWaiting();
        });
      }
    });
  }

  /**
   * Writes the settlements waiting for the end of this turn, now. The runner also calls it when
   * the process is made to exit at once (a second Ctrl-C, a closed pipe), so rows of messages the
   * server already took are not left pending.
   */
  writeWaiting(): void {
    if (this.#waiting.length === 0) return;
    const batch = this.#waiting;
    this.#waiting = [];
    try {
      this.#settleAll.immediate(batch.map((w) => w.row));
    } catch (error) {
      for (const w of batch) w.failed(error);
      return;
    }
    for (const w of batch) w.written();
  }

  release(deliveryId: number): void {
    this.#release.run({ id: deliveryId });
  }

  /**
   * Pending deliveries of the event whose sender is gone (its process no longer runs, or its
   * lease ran out) may or may not have reached the server; they are closed as failed, which
   * leaves the attendee due, so this run sends them again.
   */
  reapDeadClaims(): void {
    const now = this.#scope.now().toISOString();
    const pending = this.#ws.db
      .select({ id: deliveries.id, owner: deliveries.leaseOwner, until: deliveries.leaseExpiresAt })
      .from(deliveries)
      .where(and(eq(deliveries.eventId, this.#scope.eventId), eq(deliveries.status, "pending")))
      .all();
    const dead = pending.filter((p) => !p.until || p.until <= now || ownerIsDead(p.owner));
    if (dead.length === 0) return;
    this.#ws.db
      .update(deliveries)
      .set({
        status: "failed",
        response:
          "the sending process stopped before the server answered; sent again by a later run",
        leaseOwner: null,
        leaseExpiresAt: null,
        updatedAt: now,
      })
      .where(
        inArray(
          deliveries.id,
          dead.map((d) => d.id),
        ),
      )
      .run();
  }
}

export function ownerId(): string {
  return `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
}

/** A claim's owner is a process of this machine that no longer runs (or there is no owner). */
export function ownerIsDead(owner: string | null): boolean {
  if (!owner) return true;
  const [host, pid] = owner.split(":");
  if (host !== hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return errorCode(error) === "ESRCH";
  }
}
