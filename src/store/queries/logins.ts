/**
 * Login attempts: the usage metrics and the lockout's evidence. The lockout counts an email's
 * recent failures and records the new attempt in one transaction that holds every other
 * attempt for that email back (`holdEmail`), in every process sharing the workspace.
 */
export type LoginSource = "api" | "page" | "cli";

export interface FailureRow {
  email: string;
  at: string;
  outcome: string;
}

export interface AttemptValues {
  eventId: number;
  attendeeId: number | null;
  email: string;
  outcome: "pending" | "locked";
  source: LoginSource;
  at: string;
}

export interface LoginQueries {
  /**
   * The failed attempts after `since` (of one email, or of every email), oldest first per
   * email: not refused as locked, and after the attendee's lock was last cleared. Pending ones
   * (argon2 still working) are included.
   */
  failures(eventId: number, since: string, email?: string): Promise<FailureRow[]>;
  /**
   * Inside a transaction: until it ends, no other transaction counts or records attempts for
   * this email (SQLite: the write lock the transaction holds; PostgreSQL: an advisory lock).
   */
  holdEmail(eventId: number, email: string): Promise<void>;
  /** Records an attempt; its id. */
  insertAttempt(values: AttemptValues): Promise<number>;
  settleAttempt(id: number, ok: boolean, outcome: string): Promise<void>;
  /** Answered attempts by event and outcome. */
  countsByOutcome(): Promise<{ event: string; outcome: string; count: number }[]>;
}
