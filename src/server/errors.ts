/**
 * How failures answer: what went wrong (a body too large, not JSON, failing its schema, an
 * unknown route, a refusal of the domain) to a status and a JSON `error`. Nothing of the request
 * is echoed but the name of the field at fault; an unexpected error is logged by name and
 * message only.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Writer } from "../context.js";
import {
  DomainError,
  type DomainErrorCode,
  type DomainProblem,
  type ProblemOf,
} from "../domain/errors.js";
import { logUnroutable } from "./access-log.js";
import { BODY_ERROR } from "./body-text.js";

/** `Retry-After` for a lock ending at `retryAt` (ISO): whole seconds from `now`, at least 1. */
export function retryAfterSeconds(retryAt: string, now: Date): string {
  return String(Math.max(1, Math.ceil((Date.parse(retryAt) - now.getTime()) / 1000)));
}

export interface DomainReply {
  status: number;
  /** The JSON `error` value (the SPEC's snake_case). */
  error: string;
  /** For a bad request: the field at fault and why, as `message`. */
  message?: string;
}

type ReplyEntry<C extends DomainErrorCode> = (problem: ProblemOf<C>) => DomainReply;

const badField = (field: string, why: string): DomainReply => ({
  status: 400,
  error: "bad_request",
  message: `${field}: ${why}`,
});
/** What no request can cause (the organizer's set-up, met mid-request): not the caller's fault. */
const notTheCallers: DomainReply = { status: 500, error: "internal_error" };

/**
 * The server's one table of domain refusals. Refusals that concern an attendee's own code say
 * nothing of whose code it is; an unknown attendee is not told apart from a wrong code.
 */
const DOMAIN_REPLIES: { [C in DomainErrorCode]: ReplyEntry<C> } = {
  "weak-code": (p) => ({ ...badField("code", p.reason), error: "weak_code" }),
  "code-taken": () => ({ status: 409, error: "code_taken" }),
  "same-code": () => ({ status: 409, error: "same_code" }),
  "invalid-email": () => badField("email", "not an email address"),
  "invalid-venue-key-name": () => notTheCallers,
  "venue-key-taken": () => notTheCallers,
  "unknown-venue-key": () => ({ status: 401, error: "invalid_venue_key" }),
  "unknown-attendee": () => ({ status: 401, error: "invalid_credentials" }),
  "email-taken": () => ({ status: 409, error: "email_taken" }),
  "invalid-fields": (p) => badField("fields", p.reason),
  "event-slug-taken": () => notTheCallers,
  "no-event": () => ({ status: 404, error: "unknown_event" }),
  "which-event": () => notTheCallers,
  "unknown-event": () => ({ status: 404, error: "unknown_event" }),
  "event-unchanged": () => notTheCallers,
  "no-linked-template": () => notTheCallers,
  "no-sender": () => notTheCallers,
  "template-exists": () => notTheCallers,
};

/** The status and JSON `error` a refusal of the domain answers with. */
export function domainReply(problem: DomainProblem): DomainReply {
  return replyOf(problem);
}

function replyOf<C extends DomainErrorCode>(problem: ProblemOf<C>): DomainReply {
  const entry: ReplyEntry<C> = DOMAIN_REPLIES[problem.code];
  return entry(problem);
}

/** Sends `domainReply(problem)` as `{ok: false, error, message?}`. */
export function sendDomainReply(reply: FastifyReply, problem: DomainProblem): FastifyReply {
  const { status, error, message } = domainReply(problem);
  return reply
    .code(status)
    .send({ ok: false, error, ...(message === undefined ? {} : { message }) });
}

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
    if (error instanceof DomainError) {
      if (domainReply(error.problem).status >= 500) {
        log.write(`error: ${error.name}: ${error.code}: ${error.message}\n`);
      }
      return sendDomainReply(reply, error.problem);
    }
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
