/**
 * The organizer's figures for an event, counted by the store in as few reads as it can: each
 * attendee once, about their current code, by the rules of `queries/attendees.ts`.
 */
import type { LoginSource } from "./logins.js";

export interface PeopleCounts {
  attendees: number;
  sent: number;
  failed: number;
  pending: number;
  loggedIn: number;
}

export interface StatsQueries {
  people(eventId: number): Promise<PeopleCounts>;
  /** Every verification attempt of the event: successes and failures. */
  attempts(eventId: number): Promise<{ ok: number; failed: number }>;
  /** The latest successful login of an attendee still registered, ISO, or null. */
  lastLogin(eventId: number): Promise<string | null>;
  /** Attendees still registered with a successful login, per source. */
  loggedInBySource(eventId: number): Promise<{ source: LoginSource; n: number }[]>;
  /**
   * Per template and status, the attendees whose latest delivery of the template by `send`,
   * `resend` or `reset` (campaigns are their own scope) is in that status.
   */
  templateStatuses(
    eventId: number,
  ): Promise<{ template: string; status: "pending" | "sent" | "failed"; n: number }[]>;
  /** When each successful login at or after `since` happened (removed attendees' included). */
  loginTimes(eventId: number, since: string): Promise<string[]>;
}
