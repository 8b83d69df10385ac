/** Events and the audit trail, as the store keeps them. */
import type { EventRow } from "../schema.js";

export type EventValues = Omit<EventRow, "id">;

export interface EventQueries {
  bySlug(slug: string): Promise<EventRow | undefined>;
  /** Oldest first. */
  list(): Promise<EventRow[]>;
  insert(values: EventValues): Promise<EventRow>;
  update(id: number, changes: Partial<EventValues>): Promise<EventRow>;
}

export interface AuditValues {
  actor: string;
  at: string;
  action: string;
  eventId: number | null;
  attendeeId: number | null;
  email: string | null;
  summary: string;
}

export interface AuditQueries {
  insert(values: AuditValues): Promise<void>;
}
