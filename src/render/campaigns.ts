/** Campaigns as people read them: the time as given and where it lands, in the event's zone. */
import type { CampaignRunReport } from "../app/run-due-campaigns.js";
import type { CampaignView } from "../domain/campaigns.js";
import type { Output } from "./output.js";
import { formatTime } from "./time.js";

interface Zoned {
  timezone: string | null;
  locale?: string | undefined;
}

/**
 * As given and where it lands: `-1d@09:00 → 3 May 2026, 09:00 (Europe/Madrid)`, an ISO time too
 * (`2026-05-02T07:30Z → 2 May 2026, 09:30 (Europe/Madrid)`); a relative time without a start
 * says so.
 */
export function campaignWhen(view: Pick<CampaignView, "when" | "dueAt">, event: Zoned): string {
  if (!view.dueAt) return `${view.when} (the event has no start time)`;
  return `${view.when} → ${formatTime(view.dueAt, { zone: event.timezone })}`;
}

export function campaignTable(out: Output, views: readonly CampaignView[], event: Zoned): string {
  return out.table(views, [
    { header: "ID", value: (v) => v.id, align: "right" },
    { header: "TEMPLATE", value: (v) => v.template },
    { header: "AUDIENCE", value: (v) => v.audience },
    { header: "WHEN", value: (v) => campaignWhen(v, event), max: 96 },
    { header: "STATUS", value: (v) => v.status },
    { header: "SENT", value: (v) => v.sent, align: "right" },
    { header: "FAILED", value: (v) => v.failed, align: "right" },
  ]);
}

/** What a run did with one campaign, for `run-due` and `serve`'s log. */
export function campaignReportLine(r: CampaignRunReport): string {
  const head = `campaign ${r.id} (${r.event}, ${r.template} at ${r.when})`;
  switch (r.outcome) {
    case "missed":
      return `${head}: missed, nothing sent: it was due ${formatTime(r.dueAt)}, longer ago than --max-late`;
    case "done":
      return `${head}: done, ${r.sent} sent, ${r.failed.length} failed`;
    case "incomplete":
      return `${head}: ${r.sent} sent, ${r.failed.length} failed, stopped: ${r.reason ?? "?"}; the next run-due sends the rest`;
    case "error":
      return `${head}: not sent: ${r.reason ?? "?"}; the next run-due tries again`;
  }
}

/** Said wherever a campaign is scheduled for an event without a sender: over SMTP it cannot run. */
export function noSenderWarning(slug: string, campaigns: number): string {
  return `event ${slug} has no sender address: through SMTP ${campaigns === 1 ? "the campaign" : "its campaigns"} cannot run; set one with: evcred event update --from "Team <team@example.com>"`;
}
