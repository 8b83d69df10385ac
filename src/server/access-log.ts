/**
 * One line per request on the service's log: client, method, path, status, time. Never a body,
 * a header or anything the client typed into the URL (a code, a token or a key could be any
 * part of it): the path logged is the route's pattern (`/api/v1/events/:slug/logins`), with the
 * event's slug once a route has found that event, and a query only as `?…`.
 */
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
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

/** The line for a request the router could not take (no route's hooks run for it). */
export function logUnroutable(log: Writer, request: FastifyRequest, reply: FastifyReply): void {
  const ms = reply.elapsedTime.toFixed(1);
  log.write(`${request.ip} ${request.method} (unreadable url) ${reply.statusCode} ${ms}ms\n`);
}

/**
 * Requests Node's parser refused before Fastify saw them (headers over its limit, bytes that are
 * not HTTP): answered as Fastify would, and logged like any other, by the socket's address.
 */
export function clientErrors(
  log: Writer,
): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === "ECONNRESET" || socket.destroyed) return;
    const status =
      error.code === "HPE_HEADER_OVERFLOW"
        ? 431
        : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? 408
          : 400;
    log.write(`${socket.remoteAddress ?? "-"} - (unreadable request) ${status}\n`);
    if (socket.writable) {
      const body = JSON.stringify({
        ok: false,
        error: { 431: "headers_too_large", 408: "request_timeout", 400: "bad_request" }[status],
      });
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nConnection: close\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
  };
}
