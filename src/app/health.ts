/** Whether the workspace answers: what `/healthz` reports. */
import type { Workspace } from "../store/workspace.js";

export function workspaceAnswers(ws: Workspace): Promise<boolean> {
  return ws.store.answers();
}
