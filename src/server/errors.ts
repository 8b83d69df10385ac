/**
 * How failures answer: one table from what went wrong (a body too large, not JSON, failing its
 * schema, an unknown route) to a status and a JSON `error`. Nothing of the request is echoed but
 * the name of the field at fault; an unexpected error is logged by name and message only.
 */
import type { FastifyError, FastifyInstance } from "fastify";
import type { Writer } from "../context.js";

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string | undefined;
  params: Record<string, unknown>;
}

export function errorReplies(app: FastifyInstance, log: Writer): void {
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
        message:
          error.code === "FST_ERR_CTP_EMPTY_JSON_BODY" ? "body: empty" : "body: not valid JSON",
      });
    }
    log.write(`error: ${error.name}: ${error.message}\n`);
    return reply.code(500).send({ ok: false, error: "internal_error" });
  });
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
