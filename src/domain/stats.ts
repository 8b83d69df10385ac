/**
 * The organizer's figures for an event: how many are registered, how many have their current
 * code in hand, how many logged in. Counted with the same rules as `attendees list --status`,
 * so the two always agree.
 */
import type { EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";
import { listCampaigns, type CampaignStatus } from "./campaigns.js";
import { bucketsStart, loginsPerMinute, type MinuteBuckets } from "./login-rate.js";
import type { LoginSource } from "./logins.js";

export interface EventStats {
  event: string;
  name: string;
  attendees: number;
  /** Each attendee counted once, about their current code. */
  codes: {
    /** A delivery of the current code was accepted by the server. */
    sent: number;
    /** Not sent: everyone else (`attendees list --status unsent`). */
    unsent: number;
    /** Of the unsent, the latest delivery of the current code failed. */
    failed: number;
    /** Of the unsent, the latest delivery of the current code is still pending. */
    pending: number;
    /** Of the unsent, no delivery of the current code was attempted. */
    neverSent: number;
  };
  /** Attendees (of those registered now) with at least one successful login. */
  loggedIn: number;
  /**
   * Of those, by where they logged in: each attendee counted once per source with a successful
   * login from it, so one who used two sources is in both (the sum can exceed `loggedIn`).
   */
  loggedInBySource: Record<LoginSource, number>;
  /** loggedIn / attendees, 0 to 1 (4 decimals); 0 without attendees. */
  loginRate: number;
  /** The latest successful login, ISO time, or null (a since-removed attendee's included). */
  lastLogin: string | null;
  /** Every verification attempt; failures include unknown emails and locked attempts. */
  attempts: { ok: number; failed: number };
  /**
   * Per template (sorted by name), each attendee counted once, by the status of their latest
   * delivery of it: a failure that a rerun delivered counts as sent, not as both.
   */
  templates: { template: string; sent: number; failed: number; pending: number }[];
  /** Each campaign (oldest first), its attendees by their latest delivery in it. */
  campaigns: {
    id: number;
    template: string;
    when: string;
    /** ISO UTC, for the event as it is now; null: relative, and no start. */
    dueAt: string | null;
    status: CampaignStatus;
    sent: number;
    failed: number;
    pending: number;
  }[];
}

export async function eventStats(ws: Workspace, event: EventRow): Promise<EventStats> {
  const q = ws.store.stats;
  const people = await q.people(event.id);
  const tries = await q.attempts(event.id);
  const lastLogin = await q.lastLogin(event.id);
  const loggedInBySource: Record<LoginSource, number> = { api: 0, page: 0, cli: 0 };
  for (const r of await q.loggedInBySource(event.id)) loggedInBySource[r.source] = r.n;
  const byStatus = await q.templateStatuses(event.id);
  const templates = new Map<string, EventStats["templates"][number]>();
  for (const r of byStatus) {
    const t = templates.get(r.template) ?? { template: r.template, sent: 0, failed: 0, pending: 0 };
    t[r.status] += r.n;
    templates.set(r.template, t);
  }
  const unsent = people.attendees - people.sent;
  return {
    event: event.slug,
    name: event.name,
    attendees: people.attendees,
    codes: {
      sent: people.sent,
      unsent,
      failed: people.failed,
      pending: people.pending,
      neverSent: unsent - people.failed - people.pending,
    },
    loggedIn: people.loggedIn,
    loggedInBySource,
    loginRate: people.attendees ? round(people.loggedIn / people.attendees) : 0,
    lastLogin,
    attempts: { ok: tries.ok, failed: tries.failed },
    templates: [...templates.values()],
    campaigns: (await listCampaigns(ws, event)).map((c) => ({
      id: c.id,
      template: c.template,
      when: c.when,
      dueAt: c.dueAt,
      status: c.status,
      sent: c.sent,
      failed: c.failed,
      pending: c.pending,
    })),
  };
}

function round(rate: number): number {
  return Math.round(rate * 10_000) / 10_000;
}

/** Successful logins (any source, removed attendees' included) per minute for the last hour. */
export async function recentLogins(
  ws: Workspace,
  event: EventRow,
  now: Date,
  minutes = 60,
): Promise<MinuteBuckets> {
  const since = bucketsStart(now, minutes).toISOString();
  return loginsPerMinute(await ws.store.stats.loginTimes(event.id, since), now, minutes);
}
