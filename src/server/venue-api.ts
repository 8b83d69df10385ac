/**
 * The venue's API: `POST /api/v1/events/{slug}/logins` with a venue key. The key and the event
 * are checked before the body is even read, so a caller without a key learns nothing, not even
 * which events exist; then one call to `signIn` and its answer as the SPEC's statuses.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { signIn, type SignInDeps, type SignInResult } from "../app/sign-in.js";
import { findEvent } from "../domain/events.js";
import { authenticateVenueKey } from "../domain/venue-keys.js";
import type { EventRow } from "../store/schema.js";
import { logPathAs } from "./access-log.js";
import { bodyError, bodyText } from "./body-text.js";
import { retryAfterSeconds, sendDomainReply } from "./errors.js";
import type { LoginMetrics } from "./metrics.js";

export type VenueApiDeps = SignInDeps & { metrics: LoginMetrics };

interface LoginRoute {
  Params: { slug: string };
  Body: { email: string; code: string };
}

const loginSchema = {
  params: {
    type: "object",
    properties: { slug: { type: "string" } },
    required: ["slug"],
  },
  body: {
    type: "object",
    properties: {
      email: { type: "string", maxLength: 320 },
      code: { type: "string", maxLength: 128 },
    },
    required: ["email", "code"],
  },
} as const;

export const venueApi: FastifyPluginAsync<VenueApiDeps> = (api, deps) => {
  // Only JSON here: without this, Fastify's built-in text/plain parser would take a body.
  api.removeAllContentTypeParsers();
  api.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    const read = bodyText(request.headers["content-type"], body as Buffer);
    if (!read.ok) {
      done(bodyError(read.status, read.message), undefined);
      return;
    }
    if (read.text.trim() === "") {
      done(bodyError(400, "body: empty"), undefined);
      return;
    }
    try {
      done(null, JSON.parse(read.text) as unknown);
    } catch {
      done(bodyError(400, "body: not valid JSON"), undefined);
    }
  });
  const events = new WeakMap<FastifyRequest, EventRow>();

  api.addHook("onRequest", async (request: FastifyRequest<LoginRoute>, reply) => {
    void reply.header("cache-control", "no-store");
    const key = bearer(request.headers.authorization);
    const venueKey =
      key === undefined ? undefined : await authenticateVenueKey(deps.ws, key, deps.now());
    if (!venueKey) {
      return reply
        .code(401)
        .header("www-authenticate", 'Bearer realm="evcred"')
        .send({ error: "invalid_venue_key" });
    }
    const event = await findEvent(deps.ws, request.params.slug);
    if (!event) return reply.code(404).send({ error: "unknown_event" });
    if (venueKey.eventId !== null && venueKey.eventId !== event.id) {
      return reply.code(403).send({ error: "forbidden" });
    }
    events.set(request, event);
    logPathAs(request, `/api/v1/events/${event.slug}/logins`);
    return undefined;
  });

  api.post<LoginRoute>(
    "/api/v1/events/:slug/logins",
    { schema: loginSchema },
    async (request, reply) => {
      const event = events.get(request);
      if (!event) return reply.code(404).send({ error: "unknown_event" });
      const started = process.hrtime.bigint();
      const result = await signIn(deps, event, { ...request.body, source: "api" });
      deps.metrics.observe(Number(process.hrtime.bigint() - started) / 1e9);
      return answer(reply, result, deps.now());
    },
  );
  return Promise.resolve();
};

function answer(reply: FastifyReply, result: SignInResult, now: Date): FastifyReply {
  if (result.ok) {
    return reply.code(200).send({
      ok: true,
      attendee: result.attendee,
      token: result.token,
      expires_at: result.expiresAt,
    });
  }
  switch (result.outcome) {
    case "invalid-credentials":
      return reply.code(401).send({ ok: false, error: "invalid_credentials" });
    case "locked": {
      return reply
        .code(423)
        .header("retry-after", retryAfterSeconds(result.retryAt, now))
        .send({ ok: false, error: "locked", retry_at: result.retryAt });
    }
    case "invalid-email":
      return sendDomainReply(reply, { code: "invalid-email" });
  }
}

/** The key of `Authorization: Bearer KEY`, if that is what the header holds. */
function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]{1,200})[ ]*$/i.exec(header ?? "");
  return match?.[1];
}
