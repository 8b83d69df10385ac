/** Events and the audit trail, as the store keeps them. */
import type { EventRow } from "../schema.js";

export type EventValues = Omit<EventRow, "id">;

export interface EventQueries {
  bySlug(slug: string): Promise<EventRow | undefined>;
  byId(id: number): Promise<EventRow | undefined>;
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

export interface CodeChange {
  at: string;
  actor: string;
  action: string;
  summary: string;
}

export interface AuditFilterValues {
  /** One event's entries and the workspace-wide ones (no event); undefined for every event. */
  eventId?: number | undefined;
  /** Normalized: entries about the attendee who has, or ever had, this email. */
  email?: string | undefined;
  /** ISO time: only entries at or after it. */
  since?: string | undefined;
  limit?: number | undefined;
}

export interface AuditEntryView {
  id: number;
  at: string;
  actor: string;
  action: string;
  /** The event's slug; null for a workspace-wide entry or an event since deleted. */
  event: string | null;
  email: string | null;
  summary: string;
}

export interface AuditQueries {
  /** The entries the filter keeps, newest first, and how many there are whatever the limit. */
  page(filter: AuditFilterValues): Promise<{ entries: AuditEntryView[]; total: number }>;
  insert(values: AuditValues): Promise<void>;
  /** Who ran the event's import recorded at exactly `at` (an attendee's `createdAt`). */
  importedBy(eventId: number, at: string): Promise<string | undefined>;
  /** The attendee's `code.*` entries from `since` on, oldest first. */
  codeChanges(attendeeId: number, since: string): Promise<CodeChange[]>;
}
