/** The audit trail: who did what to whom, when. Summaries are written by callers and never hold a code. */
import type { AuditValues } from "../store/queries/events.js";
import type { Queries } from "../store/store.js";

export type AuditAction =
  | "event.create"
  | "event.update"
  | "import"
  | "attendee.remove"
  | "attendee.update"
  | "attendee.unlock"
  | "code.reset"
  | "code.organizer-set"
  | "code.attendee-set"
  | "send"
  | "resend"
  | "template.link"
  | "template.unlink"
  | "key.rotate"
  | "campaign.schedule"
  | "campaign.cancel"
  | "campaign.run"
  | "campaign.miss"
  | "venue-key.create"
  | "venue-key.revoke";

export interface AuditEntry {
  actor: string;
  at: string;
  action: AuditAction;
  eventId?: number | null;
  attendeeId?: number | null;
  email?: string | null;
  summary?: string;
}

export async function recordAudit(q: Queries, entry: AuditEntry): Promise<void> {
  await q.audit.insert(auditValues(entry));
}

function auditValues(entry: AuditEntry): AuditValues {
  return {
    actor: entry.actor,
    at: entry.at,
    action: entry.action,
    eventId: entry.eventId ?? null,
    attendeeId: entry.attendeeId ?? null,
    email: entry.email ?? null,
    summary: entry.summary ?? "",
  };
}
