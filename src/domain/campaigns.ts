/**
 * Campaigns: sends scheduled for an event, relative to its start or at a time. A campaign row
 * is the unit two runners agree on: a run takes it (`scheduled` → `running`, leased to its
 * process) in one write transaction before it sends anything, so however many `run-due`s and
 * `serve`s look at once, one sends it. A run that crashes leaves its lease to expire (at once
 * when its process is seen gone), and a later run resumes it through the same delivery ledger.
 */
import { UsageError } from "../errors.js";
import type { AttendeeRow, CampaignRow, EventRow } from "../store/schema.js";
import type { Queries } from "../store/store.js";
import { queriesOf, type Workspace } from "../store/workspace.js";
import { recordAudit } from "./audit.js";
import { campaignDueAt, parseCampaignWhen, planCampaignTime } from "./campaign-time.js";
import type { Who } from "./events.js";
import type { Audience } from "./recipients.js";

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
export async function scheduleCampaign(
  ws: Workspace,
  event: EventRow,
  input: CampaignInput,
  who: Who,
): Promise<CampaignView> {
  const { when, dueAt } = planCampaignTime(input.when, event, new Date(who.at));
  const row = await ws.transaction(async (tx) => {
    const inserted = await tx.campaigns.insert({
      eventId: event.id,
      template: input.template,
      audience: input.audience,
      whenText: when.text,
      fixedAt: when.kind === "fixed" ? when.at.toISOString() : null,
      status: "scheduled",
      createdAt: who.at,
    });
    await recordAudit(tx, {
      ...who,
      action: "campaign.schedule",
      eventId: event.id,
      summary: `campaign ${inserted.id}: ${input.template} to ${input.audience} at ${when.text} (${dueAt.toISOString()})`,
    });
    return inserted;
  });
  return viewOf(ws.store, event, row);
}

/** The event's campaigns, oldest first, with their times resolved against it as it is now. */
export async function listCampaigns(
  q: Queries | Workspace,
  event: EventRow,
): Promise<CampaignView[]> {
  const store = queriesOf(q);
  const views: CampaignView[] = [];
  for (const row of await store.campaigns.list(event.id))
    views.push(await viewOf(store, event, row));
  return views;
}

/** Cancels a scheduled campaign; one that ran, runs, or was cancelled or missed is refused. */
export function cancelCampaign(
  ws: Workspace,
  event: EventRow,
  id: number,
  who: Who,
): Promise<CampaignView> {
  return ws.transaction(async (tx) => {
    const found = await tx.campaigns.byId(id);
    if (found?.campaign.eventId !== event.id) {
      // Ids count across the workspace: one of another event is named with its event.
      throw new UsageError(`event ${event.slug} has no campaign ${id}`, {
        hint: found
          ? `campaign ${id} is of event ${found.event.slug}: evcred campaign cancel ${id} --event ${found.event.slug}`
          : "see its campaigns with: evcred campaign list",
      });
    }
    const row = found.campaign;
    if (row.status !== "scheduled") {
      throw new UsageError(
        `campaign ${id} is ${row.status}: only a scheduled one can be cancelled`,
      );
    }
    const updated = await tx.campaigns.update(id, { status: "cancelled", finishedAt: who.at });
    await recordAudit(tx, {
      ...who,
      action: "campaign.cancel",
      eventId: event.id,
      summary: `campaign ${id}: ${row.template} at ${row.whenText} cancelled`,
    });
    return viewOf(tx, event, updated);
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
): Promise<TakenCampaign | undefined> {
  const at = options.now.toISOString();
  return ws.transaction(async (tx) => {
    await tx.campaigns.holdTakes();
    for (const { campaign, event } of await tx.campaigns.open()) {
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
      const updated = await tx.campaigns.update(
        campaign.id,
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
      );
      if (late) {
        await recordAudit(tx, {
          actor: options.actor,
          at,
          action: "campaign.miss",
          eventId: event.id,
          summary: `campaign ${campaign.id}: ${campaign.template} at ${campaign.whenText} was due ${dueAt.toISOString()}, too late to send; nothing sent`,
        });
        return { outcome: "missed" as const, campaign: updated, event, dueAt };
      }
      return { outcome: "run" as const, campaign: updated, event, dueAt };
    }
    return undefined;
  });
}

/** Extends a run's claim on its campaign; false if the run no longer holds it. */
export function renewCampaign(
  ws: Workspace,
  id: number,
  owner: string,
  now: Date,
): Promise<boolean> {
  return ws.store.campaigns.renew(
    id,
    owner,
    new Date(now.getTime() + CAMPAIGN_LEASE_MS).toISOString(),
  );
}

/**
 * Ends a run's claim: `done` when everyone was dealt with, otherwise back to `scheduled`
 * (nothing sent yet, or cut short) for the next run to finish through the ledger.
 */
export async function finishCampaign(
  ws: Workspace,
  taken: { campaign: CampaignRow; event: EventRow },
  outcome: { complete: boolean; owner: string; actor: string; at: Date; summary: string },
): Promise<void> {
  const at = outcome.at.toISOString();
  await ws.transaction(async (tx) => {
    await tx.campaigns.finish(taken.campaign.id, outcome.owner, {
      status: outcome.complete ? "done" : "scheduled",
      finishedAt: outcome.complete ? at : null,
    });
    const summary = `campaign ${taken.campaign.id}: ${taken.campaign.template} at ${taken.campaign.whenText}: ${outcome.summary}`;
    // A run that failed as the last one did (no sender, a server that does not answer: retried
    // every minute until it works or is missed) is in the log once, not once a minute.
    if (!outcome.complete && (await tx.campaigns.lastRunSummary(taken.campaign.id)) === summary) {
      return;
    }
    await recordAudit(tx, {
      actor: outcome.actor,
      at,
      action: "campaign.run",
      eventId: taken.event.id,
      summary,
    });
  });
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
): Promise<AttendeeRow[]> {
  return ws.store.campaigns.audience(event.id, campaign.id, campaign.audience);
}

/** Sent / failed / pending attendees of one campaign, each by their latest delivery in it. */
export async function campaignCounts(
  q: Queries | Workspace,
  campaignId: number,
): Promise<{ sent: number; failed: number; pending: number }> {
  const counts = { sent: 0, failed: 0, pending: 0 };
  for (const r of await queriesOf(q).campaigns.counts(campaignId)) counts[r.status] += r.n;
  return counts;
}

async function viewOf(q: Queries, event: EventRow, row: CampaignRow): Promise<CampaignView> {
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
    ...(await campaignCounts(q, row.id)),
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}
