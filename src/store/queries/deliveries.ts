/** Credential emails as the store keeps them: one row per message, with its code version. */
export interface DeliveryQueries {
  /** Deliveries by event and status. */
  countsByStatus(): Promise<{ event: string; status: string; count: number }[]>;
  /** When each live claim lapses: pending deliveries leased past `at` (a send is running). */
  liveClaims(at: string): Promise<string[]>;
  /** How many self-service emails the attendee was given after `since` (any outcome). */
  selfServiceSince(attendeeId: number, since: string): Promise<number>;
}
