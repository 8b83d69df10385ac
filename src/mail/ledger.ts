/**
 * The delivery ledger of one sending run: the rows that say who is being sent what (the store
 * keeps them with statements prepared once, since a run writes one row per message). A delivery is claimed (`pending`, leased to this run) before its message goes
 * out, and settled (`sent` or `failed`) after; a claim never attempted is released (deleted), so
 * the attendee stays due. Settlements are group-committed: those made in one turn of the event
 * loop are written in one transaction at its end, and each caller resumes once its row is written.
 */
import { hostname } from "node:os";
import { errorCode } from "../errors.js";
import type { ClaimScope } from "../store/queries/ledger.js";
import type { AttendeeRow } from "../store/schema.js";
import type { Queries } from "../store/store.js";
import type { Workspace } from "../store/workspace.js";

const LEASE_MS = 10 * 60 * 1000;

/**
 * A claim's scope as the store holds it (each campaign its own: its deliveries neither count for
 * nor block the plain sends, nor another campaign's; `owner` is `host:pid:nonce`, so a later
 * run can tell a dead claim), and the clock the run reads.
 */
export interface LedgerScope extends ClaimScope {
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
  #waiting: WaitingSettlement[] = [];
  #writing = false;

  constructor(ws: Workspace, scope: LedgerScope) {
    this.#ws = ws;
    this.#scope = scope;
  }

  /**
   * Claims those of `ids` nobody else is sending this template to (and, with `onlyDue`, who
   * still need it), in one write transaction; the others are left out.
   */
  claim(ids: readonly number[]): Promise<Claim[]> {
    const now = this.#scope.now();
    const at = now.toISOString();
    const leaseEnd = new Date(now.getTime() + LEASE_MS).toISOString();
    return this.#ws.transaction(async (tx) => {
      await tx.ledger.holdScope(this.#scope);
      return tx.ledger.claim(this.#scope, ids, at, leaseEnd);
    });
  }

  /**
   * The same, inside the caller's transaction (the self-service page checks its hourly limit
   * and claims in one).
   */
  async claimIn(tx: Queries, ids: readonly number[]): Promise<Claim[]> {
    const now = this.#scope.now();
    await tx.ledger.holdScope(this.#scope);
    return tx.ledger.claim(
      this.#scope,
      ids,
      now.toISOString(),
      new Date(now.getTime() + LEASE_MS).toISOString(),
    );
  }

  /** Extends this run's leases: a slow run (a low --rate, long retries) keeps what it claimed. */
  renew(): Promise<void> {
    const now = this.#scope.now();
    return this.#ws.store.ledger.renew(
      this.#scope.owner,
      new Date(now.getTime() + LEASE_MS).toISOString(),
    );
  }

  /**
   * Records how a delivery ended; resolves once it is written. A message's delivery counts as in
   * flight until then: a crash before it leaves the row pending, and a later run sends it again.
   */
  settle(deliveryId: number, result: Settlement): Promise<void> {
    return new Promise((written, failed) => {
      const row = { ...result, id: deliveryId, at: this.#scope.now().toISOString() };
      this.#waiting.push({ row, written, failed });
      if (this.#waiting.length === 1 && !this.#writing) this.#writeSoon();
    });
  }

  #writeSoon(): void {
    setImmediate(() => {
      void this.#writeWaiting();
    });
  }

  /**
   * The settlements waiting, written in one write (all or none): those of this turn, and those that
   * came while the last group was being written (one write at a time, so a database's round
   * trips group more settlements, not more writes).
   */
  async #writeWaiting(): Promise<void> {
    if (this.#waiting.length === 0 || this.#writing) return;
    const batch = this.#waiting;
    this.#waiting = [];
    this.#writing = true;
    try {
      await this.#ws.store.ledger.settle(batch.map((w) => w.row));
    } catch (error) {
      for (const w of batch) w.failed(error);
      return;
    } finally {
      this.#writing = false;
      if (this.#waiting.length > 0) this.#writeSoon();
    }
    for (const w of batch) w.written();
  }

  /**
   * Writes the settlements still waiting, synchronously, when the process is made to exit at
   * once (a second Ctrl-C, a closed pipe), so rows of messages the server already took are not
   * left pending where the store can (SQLite); elsewhere they stay pending, in flight.
   */
  writeAtExit(): void {
    if (this.#waiting.length === 0) return;
    let written = false;
    try {
      written = this.#ws.store.ledger.settleAtExit(this.#waiting.map((w) => w.row));
    } catch {
      // Left pending: the next run counts them as in flight.
    }
    if (!written) return; // still waiting for the end of the turn, if the process sees it
    const batch = this.#waiting;
    this.#waiting = [];
    for (const w of batch) w.written();
  }

  release(deliveryId: number): Promise<void> {
    return this.#ws.store.ledger.release(deliveryId);
  }

  /**
   * Pending deliveries of the event whose sender is gone (its process no longer runs, or its
   * lease ran out) may or may not have reached the server; they are closed as failed, which
   * leaves the attendee due, so this run sends them again.
   */
  async reapDeadClaims(): Promise<void> {
    const now = this.#scope.now().toISOString();
    const pending = await this.#ws.store.ledger.pending(this.#scope.eventId);
    const dead = pending.filter((p) => !p.until || p.until <= now || ownerIsDead(p.owner));
    await this.#ws.store.ledger.failClaims(
      dead.map((d) => d.id),
      "the sending process stopped before the server answered; sent again by a later run",
      now,
    );
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
