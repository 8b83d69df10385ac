/** Whether the workspace answers: what `/healthz` reports. */
import { events } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";

export function workspaceAnswers(ws: Workspace): boolean {
  try {
    ws.db.select({ id: events.id }).from(events).limit(1).all();
    return true;
  } catch {
    return false;
  }
}
