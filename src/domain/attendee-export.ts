/**
 * `attendees export`: one row per attendee with where they stand — delivery, login, lock — as
 * the cells of a CSV file. Never a code: the rows come from `listAttendees`, which reads no code
 * column. Formula-safety and quoting are csv-export.ts's.
 */
import type { AttendeeSummary } from "./attendees.js";

const FIXED = ["email", "first_name", "last_name"] as const;
/** The columns an export adds after the attendee's own: where they stand, not who they are. */
export const EXPORT_STATUS_COLUMNS = [
  "delivery_status",
  "last_delivery_at",
  "delivery_error",
  "logged_in",
  "last_login_at",
  "locked_until",
] as const;

export interface ExportTable {
  header: string[];
  rows: string[][];
}

/**
 * The custom fields are the union of every attendee's, in the order first met (an attendee
 * without one gets an empty cell); one that shares a name with a fixed column is `field_NAME`.
 */
export function exportTable(attendees: readonly AttendeeSummary[]): ExportTable {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const a of attendees) {
    for (const key of Object.keys(a.fields)) {
      if (!seen.has(key)) {
        seen.add(key);
        keys.push(key);
      }
    }
  }
  const fixed = new Set<string>([...FIXED, ...EXPORT_STATUS_COLUMNS]);
  const header = [
    ...FIXED,
    ...keys.map((k) => (fixed.has(k) ? `field_${k}` : k)),
    ...EXPORT_STATUS_COLUMNS,
  ];
  const rows = attendees.map((a) => [
    a.email,
    a.firstName,
    a.lastName,
    ...keys.map((k) => a.fields[k] ?? ""),
    deliveryStatus(a),
    a.lastDeliveryAt ?? "",
    a.deliveryError ?? "",
    a.loggedIn ? "yes" : "no",
    a.lastLoginAt ?? "",
    a.lockedUntil ?? "",
  ]);
  return { header, rows };
}

/** Of the current code: `sent`, `failed`, `pending` (being sent) or `unsent`. */
export function deliveryStatus(a: AttendeeSummary): "sent" | "failed" | "pending" | "unsent" {
  return a.sent ? "sent" : a.failed ? "failed" : a.pending ? "pending" : "unsent";
}
