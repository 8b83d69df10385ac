/**
 * The store seam: what the domain and the application layer ask of a workspace's database,
 * written once for both dialects. `store/sqlite/` and `store/postgres/` implement it; nothing
 * outside `src/store/` names a driver, a dialect or its SQL.
 *
 * Queries are grouped by aggregate (`meta`, `events`, `attendees`, …). A transaction hands its
 * callback the same groups, bound to it: what the callback reads and writes through `tx` is one
 * unit, committed when the callback's promise resolves and rolled back when it rejects. Writes
 * that must count or claim under concurrency (the lockout, the mail ledger's claims, the
 * import's id reservation) are single query methods, so each dialect can take the locks it
 * needs (SQLite: the write lock of `BEGIN IMMEDIATE`; PostgreSQL: row and advisory locks).
 */
import type { Vault } from "../vault/vault.js";
import type { AuditQueries, EventQueries } from "./queries/events.js";
import type { AttendeeQueries } from "./queries/attendees.js";
import type { DeliveryQueries } from "./queries/deliveries.js";
import type { LinkQueries } from "./queries/links.js";
import type { LoginQueries } from "./queries/logins.js";
import type { StatsQueries } from "./queries/stats.js";
import type { CampaignQueries } from "./queries/campaigns.js";
import type { LedgerQueries } from "./queries/ledger.js";
import type { VenueKeyQueries } from "./queries/venue-keys.js";

export type Dialect = "sqlite" | "postgres";

/** What queries run on: the store itself, or one of its transactions. */
export interface Queries {
  readonly meta: MetaQueries;
  readonly events: EventQueries;
  readonly audit: AuditQueries;
  readonly venueKeys: VenueKeyQueries;
  readonly links: LinkQueries;
  readonly attendees: AttendeeQueries;
  readonly logins: LoginQueries;
  readonly deliveries: DeliveryQueries;
  readonly stats: StatsQueries;
  readonly campaigns: CampaignQueries;
  readonly ledger: LedgerQueries;
}

export interface Store extends Queries {
  readonly dialect: Dialect;
  /** Where the workspace is, for messages: the SQLite file, or `host:port/database`. */
  readonly location: string;
  /**
   * Runs `fn` in one write transaction. On SQLite the write lock is taken up front and the
   * process's other queries wait for the transaction to end (one connection); on PostgreSQL it
   * runs on a connection of its own, READ COMMITTED, with the locks its queries take.
   */
  transaction<T>(fn: (tx: Queries) => Promise<T>): Promise<T>;
  /**
   * The one-time upgrade of seals made before seals named the email (`seal-binding.ts`); how
   * many were re-sealed. A PostgreSQL workspace never had such seals.
   */
  bindLegacySeals(vault: Vault): Promise<number>;
  /**
   * After codes were re-sealed, replaced or deleted: makes sure no old copy stays in free
   * space. False when it could not (another connection kept it busy); never throws.
   */
  scrub(): Promise<boolean>;
  /** Whether the store answers a query now (`/healthz`); never throws. */
  answers(): Promise<boolean>;
  /** What is wrong with the stored data itself (`doctor`), or undefined when nothing is. */
  damage(): Promise<string | undefined>;
  close(): Promise<void>;
}

/** Workspace facts (`key_id`, `current_event`, …): one text value per key. */
export interface MetaQueries {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  /** Writes `value` unless the key has one; two processes adding at once keep the first. */
  add(key: string, value: string): Promise<void>;
}
