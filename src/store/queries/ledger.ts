/**
 * The delivery ledger: who is being sent what. A delivery is claimed (`pending`, leased to its
 * sender) before its message goes out and settled (`sent`, `failed`) after; a claim never
 * attempted is released (deleted). Claims of one scope (event, template, campaign) are taken
 * inside a transaction that holds every other claim of that scope (`holdScope`): two senders on
 * two machines split the attendees and never claim one twice.
 */
import type { AttendeeRow } from "../schema.js";

export interface ClaimScope {
  eventId: number;
  template: string;
  purpose: "send" | "resend" | "reset" | "campaign" | "self-service";
  /** The campaign sending (its own scope), or null for the plain sends. */
  campaignId: number | null;
  owner: string;
  /**
   * Only attendees still without this template for their current code (plain sends). A
   * campaign always skips those it already sent, or failed for good.
   */
  onlyDue: boolean;
}

export interface SettlementRow {
  id: number;
  status: "sent" | "failed";
  messageId: string | null;
  response: string;
  attempts: number;
  at: string;
}

export interface LedgerQueries {
  /** Inside a transaction: no other transaction claims in this scope until this one ends. */
  holdScope(scope: ClaimScope): Promise<void>;
  /**
   * Claims those of `ids` (in order) nobody holds a live claim on in this scope and who are
   * still candidates; the others are left out.
   */
  claim(
    scope: ClaimScope,
    ids: readonly number[],
    at: string,
    leaseEnd: string,
  ): Promise<{ deliveryId: number; attendee: AttendeeRow }[]>;
  /** Extends `owner`'s pending claims. */
  renew(owner: string, leaseEnd: string): Promise<void>;
  /** Records how deliveries ended, the group in one write: all of them, or none. */
  settle(rows: readonly SettlementRow[]): Promise<void>;
  /**
   * The same, synchronously, for a process made to exit at once: true if written. SQLite can;
   * PostgreSQL cannot (false), and the rows stay pending, counted as in flight.
   */
  settleAtExit(rows: readonly SettlementRow[]): boolean;
  /** Deletes a claim never attempted (still pending). */
  release(deliveryId: number): Promise<void>;
  /** The event's pending deliveries and who holds them until when. */
  pending(eventId: number): Promise<{ id: number; owner: string | null; until: string | null }[]>;
  /** Closes dead claims as failed (the attendee stays due). */
  failClaims(ids: readonly number[], response: string, at: string): Promise<void>;
}
