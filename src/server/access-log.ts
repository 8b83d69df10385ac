/**
 * One line per request on the service's log: client, method, path, status, time. Never a body,
 * a header or a query value (a token or a key could be one): the query keeps only its names.
 */
import type { FastifyInstance } from "fastify";
import type { Writer } from "../context.js";

export function accessLog(app: FastifyInstance, log: Writer): void {
  app.addHook("onResponse", (request, reply, done) => {
    const ms = reply.elapsedTime.toFixed(1);
    log.write(
      `${request.ip} ${request.method} ${safePath(request.url)} ${reply.statusCode} ${ms}ms\n`,
    );
    done();
  });
}

/** `/x?token=abc&b=1` → `/x?token&b`; control characters and overlong paths are cut. */
export function safePath(url: string): string {
  const [path = "", query] = url.split("?", 2);
  const names =
    query === undefined
      ? ""
      : "?" +
        query
          .split("&")
          .map((pair) => pair.split("=", 1)[0] ?? "")
          .join("&");
  // eslint-disable-next-line no-control-regex -- a log line stays one line
  return (path + names).replace(/[\u0000-\u001f\u007f\s]/g, "_").slice(0, 300);
}
