/**
 * The figures `/metrics` exports, counted from the workspace so they include every source and
 * every process sharing it: login attempts by event and outcome, deliveries by event and status.
 */
import type { Workspace } from "../store/workspace.js";

export interface LoginCount {
  event: string;
  outcome: string;
  count: number;
}

export interface DeliveryCount {
  event: string;
  status: string;
  count: number;
}

export function loginCounts(ws: Workspace): Promise<LoginCount[]> {
  return ws.store.logins.countsByOutcome();
}

export function deliveryCounts(ws: Workspace): Promise<DeliveryCount[]> {
  return ws.store.deliveries.countsByStatus();
}
