/** `GET /healthz`: 200 while the workspace answers a query, 503 when it does not. */
import type { FastifyPluginAsync } from "fastify";
import { workspaceAnswers } from "../app/health.js";
import type { Workspace } from "../store/workspace.js";

export const health: FastifyPluginAsync<{ ws: Workspace }> = (app, { ws }) => {
  app.get("/healthz", { schema: {} }, async (_request, reply) => {
    const ok = await workspaceAnswers(ws);
    return reply
      .code(ok ? 200 : 503)
      .header("cache-control", "no-store")
      .send({ ok });
  });
  return Promise.resolve();
};
