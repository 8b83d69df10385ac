/**
 * Campaigns: sends scheduled for an event, relative to its start or at a time. A campaign row
 * is the unit two runners agree on: a run takes it (`scheduled` → `running`, leased to its
 * process) in one write transaction before it sends anything, so however many `run-due`s and
 * `serve`s look at once, one sends it. A run that crashes leaves its lease to expire (at once
 * when its process is seen gone), and a later run resumes it through the same delivery ledger.
 */
import { and, asc, desc, eq, inArray, not, sql } from "drizzle-orm";
import { UsageError } from "../errors.js";
import {
  attendees,
  auditLog,
  campaigns,
  deliveries,
  events,
  type AttendeeRow,
  type CampaignRow,
  type EventRow,
} from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";
import { recordAuditSync } from "./audit.js";
import { loggedInSql, sentSql } from "../store/sqlite/attendee-status.js";
import { campaignDueAt, parseCampaignWhen, planCampaignTime } from "./campaign-time.js";
import type { Who } from "./events.js";
import { campaignSettled, type Audience } from "./recipients.js";

export const CAMPAIGN_STATUSES = ["scheduled", "running", "done", "cancelled", "missed"] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** How long a run's claim on a campaign holds without being renewed. */
export const CAMPAIGN_LEASE_MS = 2 * 60 * 1000;

/** The two sends the help article advises: the day before at 09:00, and three hours before. */
export const DEFAULT_CAMPAIGNS: readonly { when: string; template: string; audience: Audience }[] =
  [
    { when: "-1d@09:00", template: "reminder", audience: "all" },
    { when: "-3h", template: "reminder", audience: "all" },
  ];

export interface CampaignInput {
  template: string;
  audience: Audience;
  /** As the organizer wrote it. */
  when: string;
}

export interface CampaignView {
  id: number;
  event: string;
  template: string;
  audience: Audience;
  /** As given. */
  when: string;
  /** Relative to the event's start: it moves with it. */
  relative: boolean;
  /** The instant it runs (ISO UTC) for the event as it is now; null: relative, and no start. */
  dueAt: string | null;
  status: CampaignStatus;
  /** Attendees it mailed, failed for good, and whose message is in flight. */
  sent: number;
  failed: number;
  pending: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Schedules a campaign; its time is checked against the event and `who.at` (no past times). */
export function scheduleCampaign(
  ws: Workspace,
  event: EventRow,
  input: CampaignInput,
  who: Who,
): CampaignView {
  const { when, dueAt } = planCampaignTime(input.when, event, new Date(who.at));
  const row = ws.transactionSync(() => {
    const inserted = ws.db
      .insert(campaigns)
      .values({
        eventId: event.id,
        template: input.template,
        audience: input.audience,
        whenText: when.text,
        fixedAt: when.kind === "fixed" ? when.at.toISOString() : null,
        status: "scheduled",
        createdAt: who.at,
      })
      .returning()
      .get();
    recordAuditSync(ws, {
      ...who,
      action: "campaign.schedule",
      eventId: event.id,
      summary: `campaign ${inserted.id}: ${input.template} to ${input.audience} at ${when.text} (${dueAt.toISOString()})`,
    });
    return inserted;
  });
  return viewOf(ws, event, row);
}

/** The event's campaigns, oldest first, with their times resolved against it as it is now. */
export function listCampaigns(ws: Workspace, event: EventRow): CampaignView[] {
  return ws.db
    .select()
    .from(campaigns)
    .where(eq(campaigns.eventId, event.id))
    .orderBy(asc(campaigns.id))
    .all()
    .map((row) => viewOf(ws, event, row));
}

/** Cancels a scheduled campaign; one that ran, runs, or was cancelled or missed is refused. */
export function cancelCampaign(ws: Workspace, event: EventRow, id: number, who: Who): CampaignView {
  return ws.transactionSync(() => {
    const row = ws.db
      .select()
      .from(campaigns)
      .where(and(eq(campaigns.id, id), eq(campaigns.eventId, event.id)))
      .get();
    if (!row) {
      // Ids count across the workspace: one of another event is named with its event.
      const other = ws.db
        .select({ slug: events.slug })
        .from(campaigns)
        .innerJoin(events, eq(events.id, campaigns.eventId))
        .where(eq(campaigns.id, id))
        .get();
      throw new UsageError(`event ${event.slug} has no campaign ${id}`, {
        hint: other
          ? `campaign ${id} is of event ${other.slug}: evcred campaign cancel ${id} --event ${other.slug}`
          : "see its campaigns with: evcred campaign list",
      });
    }
    if (row.status !== "scheduled") {
      throw new UsageError(
        `campaign ${id} is ${row.status}: only a scheduled one can be cancelled`,
      );
    }
    const updated = ws.db
      .update(campaigns)
      .set({ status: "cancelled", finishedAt: who.at })
      .where(eq(campaigns.id, id))
      .returning()
      .get();
    recordAuditSync(ws, {
      ...who,
      action: "campaign.cancel",
      eventId: event.id,
      summary: `campaign ${id}: ${row.template} at ${row.whenText} cancelled`,
    });
    return viewOf(ws, event, updated);
  });
}

/** The instant a campaign runs for `event` as it is now (undefined: relative, and no start). */
export function dueAtOf(row: CampaignRow, event: Pick<EventRow, "startsAt" | "timezone">) {
  if (row.fixedAt) return new Date(row.fixedAt);
  return campaignDueAt(parseCampaignWhen(row.whenText, event.timezone), event);
}

/** A campaign a run has taken: to send now, or found too late and marked missed. */
export type TakenCampaign =
  | { outcome: "run"; campaign: CampaignRow; event: EventRow; dueAt: Date }
  | { outcome: "missed"; campaign: CampaignRow; event: EventRow; dueAt: Date };

/**
 * Takes the next campaign that is due at `now` and nobody runs: scheduled, or running under a
 * claim that ran out or whose process is gone (`isDead`). One due longer ago than `maxLateMs`
 * is marked missed instead (and audited). Each take is one write transaction: of two runners
 * looking at once, one gets it. Undefined when none is left.
 */
export function takeDueCampaign(
  ws: Workspace,
  options: {
    now: Date;
    maxLateMs: number;
    owner: string;
    actor: string;
    isDead: (owner: string | null) => boolean;
    /** Campaigns this run already took (and, say, failed to send): not taken again. */
    skip: ReadonlySet<number>;
  },
): TakenCampaign | undefined {
  const at = options.now.toISOString();
  return ws.transactionSync(() => {
    const open = ws.db
      .select({ campaign: campaigns, event: events })
      .from(campaigns)
      .innerJoin(events, eq(events.id, campaigns.eventId))
      .where(inArray(campaigns.status, ["scheduled", "running"]))
      .orderBy(asc(campaigns.id))
      .all();
    for (const { campaign, event } of open) {
      if (options.skip.has(campaign.id)) continue;
      if (
        campaign.status === "running" &&
        campaign.leaseExpiresAt !== null &&
        campaign.leaseExpiresAt > at &&
        !options.isDead(campaign.leaseOwner)
      )
        continue;
      const dueAt = dueAtOf(campaign, event);
      if (!dueAt || dueAt.getTime() > options.now.getTime()) continue;
      const late = options.now.getTime() - dueAt.getTime() > options.maxLateMs;
      const updated = ws.db
        .update(campaigns)
        .set(
          late
            ? {
                status: "missed",
                leaseOwner: null,
                leaseExpiresAt: null,
                dueAt: dueAt.toISOString(),
                finishedAt: at,
              }
            : {
                status: "running",
                leaseOwner: options.owner,
                leaseExpiresAt: new Date(options.now.getTime() + CAMPAIGN_LEASE_MS).toISOString(),
                dueAt: dueAt.toISOString(),
                startedAt: campaign.startedAt ?? at,
              },
        )
        .where(eq(campaigns.id, campaign.id))
        .returning()
        .get();
      if (late) {
        recordAuditSync(ws, {
          actor: options.actor,
          at,
          action: "campaign.miss",
          eventId: event.id,
          summary: `campaign ${campaign.id}: ${campaign.template} at ${campaign.whenText} was due ${dueAt.toISOString()}, too late to send; nothing sent`,
        });
        return { outcome: "missed", campaign: updated, event, dueAt };
      }
      return { outcome: "run", campaign: updated, event, dueAt };
    }
    return undefined;
  });
}

/** Extends a run's claim on its campaign; false if the run no longer holds it. */
export function renewCampaign(ws: Workspace, id: number, owner: string, now: Date): boolean {
  const changed = ws.db
    .update(campaigns)
    .set({ leaseExpiresAt: new Date(now.getTime() + CAMPAIGN_LEASE_MS).toISOString() })
    .where(
      and(eq(campaigns.id, id), eq(campaigns.leaseOwner, owner), eq(campaigns.status, "running")),
    )
    .run();
  return changed.changes > 0;
}

/**
 * Ends a run's claim: `done` when everyone was dealt with, otherwise back to `scheduled`
 * (nothing sent yet, or cut short) for the next run to finish through the ledger.
 */
export function finishCampaign(
  ws: Workspace,
  taken: { campaign: CampaignRow; event: EventRow },
  outcome: { complete: boolean; owner: string; actor: string; at: Date; summary: string },
): void {
  const at = outcome.at.toISOString();
  ws.transactionSync(() => {
    ws.db
      .update(campaigns)
      .set({
        status: outcome.complete ? "done" : "scheduled",
        leaseOwner: null,
        leaseExpiresAt: null,
        finishedAt: outcome.complete ? at : null,
      })
      .where(and(eq(campaigns.id, taken.campaign.id), eq(campaigns.leaseOwner, outcome.owner)))
      .run();
    const summary = `campaign ${taken.campaign.id}: ${taken.campaign.template} at ${taken.campaign.whenText}: ${outcome.summary}`;
    // A run that failed as the last one did (no sender, a server that does not answer: retried
    // every minute until it works or is missed) is in the log once, not once a minute.
    if (!outcome.complete && lastRunSummary(ws, taken.campaign.id) === summary) return;
    recordAuditSync(ws, {
      actor: outcome.actor,
      at,
      action: "campaign.run",
      eventId: taken.event.id,
      summary,
    });
  });
}

/** The summary of the campaign's latest `campaign.run` audit entry, if any. */
function lastRunSummary(ws: Workspace, campaignId: number): string | undefined {
  return ws.db
    .select({ summary: auditLog.summary })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.action, "campaign.run"),
        sql`${auditLog.summary} like ${`campaign ${campaignId}: %`}`,
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(1)
    .get()?.summary;
}

/**
 * Who a campaign mails when it runs, resolved then (attendees imported after it was scheduled
 * are in): `unsent`, those whose current code no email has reached yet; `all`; `not-logged-in`,
 * those without a successful login. Whoever it already sent, or failed for good, is left out.
 */
export function campaignAudience(
  ws: Workspace,
  event: EventRow,
  campaign: CampaignRow,
): AttendeeRow[] {
  const audience = {
    unsent: not(sentSql),
    all: undefined,
    "not-logged-in": not(loggedInSql),
  }[campaign.audience];
  return ws.db
    .select()
    .from(attendees)
    .where(and(eq(attendees.eventId, event.id), audience, not(campaignSettled(campaign.id))))
    .orderBy(asc(attendees.id))
    .all();
}

/** Sent / failed / pending attendees of one campaign, each by their latest delivery in it. */
export function campaignCounts(
  ws: Workspace,
  campaignId: number,
): { sent: number; failed: number; pending: number } {
  const rows = ws.db
    .select({ status: deliveries.status, n: sql<number>`count(*)` })
    .from(deliveries)
    .where(
      and(
        eq(deliveries.campaignId, campaignId),
        sql`${deliveries.id} = (select max(l.id) from ${deliveries} l where l.campaign_id = ${deliveries.campaignId} and l.attendee_id = ${deliveries.attendeeId})`,
      ),
    )
    .groupBy(deliveries.status)
    .all();
  const counts = { sent: 0, failed: 0, pending: 0 };
  for (const r of rows) counts[r.status] += r.n;
  return counts;
}

function viewOf(ws: Workspace, event: EventRow, row: CampaignRow): CampaignView {
  const dueAt = row.dueAt && row.status !== "scheduled" ? new Date(row.dueAt) : dueAtOf(row, event);
  return {
    id: row.id,
    event: event.slug,
    template: row.template,
    audience: row.audience,
    when: row.whenText,
    relative: row.fixedAt === null,
    dueAt: dueAt?.toISOString() ?? null,
    status: row.status,
    ...campaignCounts(ws, row.id),
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}
