/**
 * Attendees as the store keeps them, and where each stands (sent, failed, logged in), always
 * about their CURRENT code: deliveries carry the code version they were sent with, and a reset
 * bumps it. sent = a delivery of the current code was accepted; otherwise failed / pending = the
 * latest delivery of the current code is in that state. `stats` counts the same way, so its
 * figures match `attendees list --status`. Nothing here reads a code column into a view.
 */
import type { AttendeeRow } from "../schema.js";

export const ATTENDEE_STATUSES = ["unsent", "sent", "failed", "logged-in", "locked"] as const;
export type AttendeeStatus = (typeof ATTENDEE_STATUSES)[number];

export type AttendeeChanges = Partial<
  Pick<
    AttendeeRow,
    "email" | "firstName" | "lastName" | "fields" | "codeSealed" | "codeHash" | "updatedAt"
  >
>;

export interface AttendeeFilter {
  eventId: number;
  /** Text folded with `foldText`, found in the folded email or name. */
  search?: string | undefined;
  status?: AttendeeStatus | undefined;
  /** The emails locked now, for `status: "locked"`. */
  locked: readonly string[];
  limit?: number | undefined;
}

/** One attendee's standing: their row's shown fields, and what their deliveries and logins say. */
export interface AttendeeStanding {
  email: string;
  firstName: string;
  lastName: string;
  /** As stored: a JSON object of strings. */
  fields: string;
  /** A credential email was accepted by the server for the current code. */
  sent: boolean;
  /** The latest delivery of the current code failed and none was sent since. */
  failed: boolean;
  /** The latest delivery of the current code is being sent and none was sent before. */
  pending: boolean;
  /** When their latest delivery (of any code) was last updated: sent, failed or claimed. */
  lastDeliveryAt: string | null;
  /** Why their current code's latest delivery failed (the server's reply), while `failed`. */
  deliveryError: string | null;
  loggedIn: boolean;
  /** Their latest successful login. */
  lastLoginAt: string | null;
  codeChangedAt: string;
  createdAt: string;
}

export interface DeliveryView {
  template: string;
  purpose: string;
  status: string;
  codeVersion: number;
  attempts: number;
  response: string | null;
  at: string;
}

/** A registration as the import writes it: its id reserved, its code sealed for that id. */
export type NewAttendee = Pick<
  AttendeeRow,
  | "id"
  | "eventId"
  | "email"
  | "firstName"
  | "lastName"
  | "fields"
  | "codeHash"
  | "codeSealed"
  | "codeFingerprint"
  | "codeChangedAt"
>;

/** A new code for an attendee, bound to them (see `AttendeeQueries.replaceCode`). */
export interface CodeValues {
  codeHash: string;
  codeSealed: Buffer;
  codeFingerprint: Buffer;
  codeSource: AttendeeRow["codeSource"];
  /** A code given out bumps the version (the attendee is due its email); one they chose, not. */
  bumpVersion: boolean;
  at: string;
}

export interface AttendeeQueries {
  byEmail(eventId: number, email: string): Promise<AttendeeRow | undefined>;
  byId(eventId: number, id: number): Promise<AttendeeRow | undefined>;
  /** The attendee of `eventId` whose code has this fingerprint. */
  byFingerprint(eventId: number, fingerprint: Buffer): Promise<{ id: number } | undefined>;
  /** Which of these fingerprints a code of `eventId` has already. */
  fingerprintsTaken(eventId: number, fingerprints: readonly Buffer[]): Promise<Buffer[]>;
  /** The attendees of `eventId` with these emails, as the import plans against them. */
  withEmails(
    eventId: number,
    emails: readonly string[],
  ): Promise<Pick<AttendeeRow, "id" | "email" | "firstName" | "lastName" | "fields">[]>;
  /**
   * Inside a transaction: `count` ids never given before, removed attendees' included, for
   * rows this transaction inserts (an id is bound into the sealed code before the row exists).
   */
  reserveIds(count: number): Promise<number[]>;
  /** Inserts registrations with their reserved ids; each clears earlier failures' lock. */
  insertMany(rows: readonly NewAttendee[]): Promise<void>;
  /**
   * Gives the attendee a new code and clears their lock; the updated row. Undefined when they
   * are gone, or (with `replacing`) their code changed since it was read; `code-taken` when
   * another attendee holds the fingerprint (nothing written).
   */
  replaceCode(
    eventId: number,
    id: number,
    code: CodeValues,
    replacing?: { codeVersion: number; codeChangedAt: string },
  ): Promise<AttendeeRow | undefined | "code-taken">;
  count(eventId: number): Promise<number>;
  /**
   * The attendees a send of `template` is for, by id: `unsent`, those without a `sent`
   * delivery of it (by `send`, `resend` or `reset`) carrying their current code version;
   * `all`; `not-logged-in`, those without a successful login.
   */
  due(
    eventId: number,
    template: string,
    audience: "unsent" | "all" | "not-logged-in",
    limit?: number,
  ): Promise<AttendeeRow[]>;
  /** How many are still due `template` (the `unsent` audience). */
  countDue(eventId: number, template: string): Promise<number>;
  /** Every attendee's sealed code with what it is bound to, in every event (key rotation). */
  seals(): Promise<{ id: number; eventId: number; email: string; sealed: Buffer }[]>;
  /** Writes re-sealed codes and their new fingerprints. */
  resealMany(rows: readonly { id: number; sealed: Buffer; fingerprint: Buffer }[]): Promise<void>;
  /** Every attendee's id, ascending. */
  ids(eventId: number): Promise<number[]>;
  /** Up to `limit` attendees with ids above `afterId`, by id: a keyset page. */
  page(eventId: number, afterId: number, limit: number): Promise<AttendeeRow[]>;
  /** The attendees the filter keeps, by id. */
  standings(filter: AttendeeFilter): Promise<AttendeeStanding[]>;
  /** How many the filter keeps, whatever its limit. */
  countMatching(filter: AttendeeFilter): Promise<number>;
  /** Every attendee's email and name, for "did you mean". */
  names(eventId: number): Promise<{ email: string; firstName: string; lastName: string }[]>;
  /** Their deliveries, newest first. */
  deliveries(attendeeId: number): Promise<DeliveryView[]>;
  /** Their newest `limit` login attempts, newest first. */
  logins(
    attendeeId: number,
    limit: number,
  ): Promise<{ ok: boolean; outcome: string; at: string }[]>;
  /**
   * Writes the changes; with `clearLock`, every failure recorded so far stops counting too.
   * `email-taken` (nothing written) when the new email is another attendee's.
   */
  update(
    id: number,
    changes: AttendeeChanges,
    options: { clearLock: boolean },
  ): Promise<"updated" | "email-taken">;
  remove(id: number): Promise<void>;
  /** Replaces the hash, unless it changed since it was read as `was`. */
  replaceHash(id: number, was: string, hash: string): Promise<void>;
  /** Every failure recorded so far stops counting toward their lock (see `LoginQueries`). */
  clearLock(id: number, at: string): Promise<void>;
}
