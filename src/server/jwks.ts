/** `GET /.well-known/jwks.json`: the public keys a venue verifies login tokens with, offline. */
import type { FastifyPluginAsync } from "fastify";
import { publicKeys } from "../app/tokens.js";
import type { Workspace } from "../store/workspace.js";

export const jwks: FastifyPluginAsync<{ ws: Workspace; now: () => Date }> = (app, { ws, now }) => {
  app.get("/.well-known/jwks.json", { schema: {} }, async (_request, reply) =>
    reply
      // Venues cache it; a key rotation is picked up within five minutes.
      .header("cache-control", "public, max-age=300")
      .send(await publicKeys(ws, now())),
  );
  return Promise.resolve();
};
