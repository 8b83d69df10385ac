/** Reading the audit trail back: newest first, filtered by event, attendee and time. */
import type { Workspace } from "../store/workspace.js";
import { normalizeEmail } from "./email.js";
import { resolveDateTime, TimeInputError } from "./time.js";

export interface AuditFilter {
  /** One event's entries and the workspace-wide ones (no event); undefined for every event. */
  eventId?: number | undefined;
  /**
   * Only entries about this attendee (any spelling of the email): also those from before or
   * after their email was changed, found through the attendee they name.
   */
  email?: string | undefined;
  /** ISO time: only entries at or after it. */
  since?: string | undefined;
  limit?: number | undefined;
}

export type { AuditEntryView as AuditView } from "../store/queries/events.js";
import type { AuditEntryView } from "../store/queries/events.js";

export interface AuditPage {
  entries: AuditEntryView[];
  /** How many entries match the filter, however many were shown. */
  total: number;
}

export async function queryAudit(ws: Workspace, filter: AuditFilter): Promise<AuditPage> {
  return ws.store.audit.page({
    ...filter,
    email: filter.email === undefined ? undefined : normalizeEmail(filter.email),
  });
}

const UNITS: Readonly<Record<string, number>> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * `--since`: an ISO date or time (`2026-05-04`, `2026-05-04T09:00Z`), or a duration back from
 * `now` (`30m`, `2h`, `3d`, `1w`). A time without an offset is read in `zone` (the event's, in
 * which the log shows its times; UTC without one). The ISO time it means, or undefined when it
 * means nothing.
 */
export function parseSince(
  input: string,
  now: Date,
  zone: string | null = null,
): string | undefined {
  const text = input.trim();
  const duration = /^(\d+)\s*([mhdw])$/i.exec(text);
  if (duration) {
    const unit = UNITS[(duration[2] ?? "").toLowerCase()] ?? 0;
    return new Date(now.getTime() - Number(duration[1]) * unit).toISOString();
  }
  try {
    return resolveDateTime(text, zone ?? "UTC").toISOString();
  } catch (error) {
    if (error instanceof TimeInputError) return undefined;
    throw error;
  }
}
