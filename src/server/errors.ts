/**
 * How failures answer: one table from what went wrong (a body too large, not JSON, failing its
 * schema, an unknown route) to a status and a JSON `error`. Nothing of the request is echoed but
 * the name of the field at fault; an unexpected error is logged by name and message only.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Writer } from "../context.js";
import { logUnroutable } from "./access-log.js";
import { BODY_ERROR } from "./body-text.js";

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string | undefined;
  params: Record<string, unknown>;
}

export function errorReplies(app: FastifyInstance, log: Writer): void {
  // A request to no route is answered without its body being read or parsed: a wrong method
  // with a JSON type and no body is a 404 like any other, not a JSON error.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, _payload, done) => {
    done(null, undefined);
  });
  app.setNotFoundHandler((_request, reply) => {
    void reply.code(404).send({ ok: false, error: "not_found" });
  });
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.validation) {
      return reply.code(400).send({
        ok: false,
        error: "bad_request",
        message: describeIssue(error.validation[0]),
      });
    }
    const status = error.statusCode ?? 500;
    if (status === 413) return reply.code(413).send({ ok: false, error: "payload_too_large" });
    if (status === 415) {
      return reply.code(415).send({ ok: false, error: "unsupported_media_type" });
    }
    if (status >= 400 && status < 500) {
      return reply.code(status).send({
        ok: false,
        error: "bad_request",
        message: messageOf(error),
      });
    }
    log.write(`error: ${error.name}: ${error.message}\n`);
    return reply.code(500).send({ ok: false, error: "internal_error" });
  });
}

/** Only a message this service wrote is answered: Fastify's may quote what was sent. */
function messageOf(error: FastifyError): string {
  if (error.code === BODY_ERROR) return error.message;
  if (error.code === "FST_ERR_CTP_EMPTY_JSON_BODY") return "body: empty";
  return "body: not valid JSON";
}

/** `email: must be a string`, `code: is required`, `body: must be a JSON object`. */
function describeIssue(issue: ValidationIssue | undefined): string {
  if (!issue) return "body: invalid";
  const missing = issue.params.missingProperty;
  if (issue.keyword === "required" && typeof missing === "string") return `${missing}: is required`;
  const field = issue.instancePath.replace(/^\//, "").replace(/\//g, ".") || "body";
  if (issue.keyword === "type") {
    const type = String(issue.params.type);
    return `${field}: must be ${field === "body" ? "a JSON object" : `a ${type}`}`;
  }
  return `${field}: ${issue.message ?? "is invalid"}`;
}

/**
 * Fastify's own answers for a URL its router cannot take (a broken escape in a path parameter,
 * one over the router's length limit) quote the path: a code or a key may be in it.
 */
export function frameworkErrors(
  log: Writer,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    void reply.header("cache-control", "no-store");
    if (error.code === "FST_ERR_MAX_PARAM_LENGTH") {
      void reply.code(414).send({ ok: false, error: "uri_too_long" });
    } else {
      void reply.code(400).send({ ok: false, error: "bad_request", message: "url: not valid" });
    }
    logUnroutable(log, request, reply);
  };
}
