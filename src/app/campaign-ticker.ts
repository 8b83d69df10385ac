/**
 * Due campaigns run by a long-lived process (`serve`): `runDueCampaigns` at start and then every
 * minute, one tick at a time (a tick still sending when the next is due makes it wait, not
 * overlap). `stop` ends it as Ctrl-C ends a send: the messages in flight finish and are
 * recorded, and the campaign is left for the next run to finish.
 */
import {
  runDueCampaigns,
  type CampaignRunReport,
  type RunDueOptions,
} from "./run-due-campaigns.js";
import type { Workspace } from "../store/workspace.js";

export interface TickerOptions extends Omit<RunDueOptions, "signal"> {
  /** The wait after a tick before the next one; a minute unless told. */
  everyMs?: number | undefined;
  /** What each tick that did something did (nothing is reported for an idle tick). */
  onReports?: ((reports: CampaignRunReport[]) => void) | undefined;
  /** A tick that failed (the database): reported, and the next tick tries again. */
  onError?: ((error: unknown) => void) | undefined;
}

export interface CampaignTicker {
  /** Stops ticking; resolves once the tick in progress (if any) has recorded what it sent. */
  stop(): Promise<void>;
}

export function startCampaignTicker(ws: Workspace, options: TickerOptions): CampaignTicker {
  const stopping = new AbortController();
  let current: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      const reports = await runDueCampaigns(ws, { ...options, signal: stopping.signal });
      if (reports.length > 0) options.onReports?.(reports);
    } catch (error) {
      options.onError?.(error);
    }
  };
  const schedule = () => {
    if (stopping.signal.aborted) return;
    current = tick().finally(() => {
      if (!stopping.signal.aborted) timer = setTimeout(schedule, options.everyMs ?? 60_000);
    });
  };
  schedule();
  return {
    async stop() {
      stopping.abort();
      clearTimeout(timer);
      await current;
    },
  };
}
