/**
 * One line per request on the service's log: client, method, path, status, time. Never a body,
 * a header or anything the client typed into the URL (a code, a token or a key could be any
 * part of it): the path logged is the route's pattern (`/api/v1/events/:slug/logins`), with the
 * event's slug once a route has found that event, and a query only as `?…`.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Writer } from "../context.js";

const shownPaths = new WeakMap<FastifyRequest, string>();

export function accessLog(app: FastifyInstance, log: Writer): void {
  app.addHook("onResponse", (request, reply, done) => {
    const ms = reply.elapsedTime.toFixed(1);
    log.write(
      `${request.ip} ${request.method} ${loggedPath(request)} ${reply.statusCode} ${ms}ms\n`,
    );
    done();
  });
}

/** A route that resolved the request's event logs the path with its (public) slug. */
export function logPathAs(request: FastifyRequest, path: string): void {
  shownPaths.set(request, path);
}

function loggedPath(request: FastifyRequest): string {
  const path = shownPaths.get(request) ?? routePattern(request);
  return request.url.includes("?") ? `${path}?…` : path;
}

/** The matched route's pattern, or `(no route)`: never the URL as sent. */
function routePattern(request: FastifyRequest): string {
  const pattern = (request.routeOptions as { url?: string | undefined }).url;
  return pattern ?? "(no route)";
}
