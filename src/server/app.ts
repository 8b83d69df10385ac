/**
 * The HTTP face of `evcred serve`: a Fastify instance with one plugin per concern, all calling
 * the application layer (`src/app/`) with the dependencies given here — never the CLI's Context.
 */
import { dirname, join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { SelfServiceResend } from "../app/self-service-resend.js";
import type { Writer } from "../context.js";
import { createTransport } from "../mail/transport.js";
import type { TemplatesDir } from "../mail/templates-dir.js";
import type { Workspace } from "../store/workspace.js";
import type { HashParams } from "../vault/hash.js";
import { accessLog, clientErrors } from "./access-log.js";
import { errorReplies, frameworkErrors } from "./errors.js";
import { health } from "./health.js";
import { jwks } from "./jwks.js";
import { LoginMetrics, metrics } from "./metrics.js";
import { DEFAULT_POSTS_PER_MINUTE } from "./page-guard.js";
import { attendeePages } from "./pages.js";
import { venueApi } from "./venue-api.js";

/** The largest request body the service reads (the SPEC's 16 KB). */
export const BODY_LIMIT = 16 * 1024;

export interface ServerDeps {
  ws: Workspace;
  /** The workspace's own templates: the pages' overrides in its `pages/`, forgot my code's mail. */
  templatesDir: TemplatesDir;
  now: () => Date;
  hashParams: HashParams;
  /** Where the service is reached from outside: the tokens' `iss`, the base of its links. */
  publicUrl: () => string;
  /** Where the access log goes (stderr). */
  log: Writer;
  /** Read the client's address and scheme from `X-Forwarded-For` / `-Proto`. */
  trustProxy: boolean;
  /** POSTs to the attendee pages one client address may make a minute (default 30). */
  pagePostsPerMinute?: number | undefined;
  /**
   * Forgot my code's mailer (with the transport of `send`); without one, its messages go to
   * the outbox folder beside the workspace.
   */
  selfService?: SelfServiceResend | undefined;
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    trustProxy: deps.trustProxy,
    // Request bodies are taken as sent: a number where a string belongs is a bad request.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
    // Shutting down: idle keep-alive connections close at once, requests in flight finish.
    forceCloseConnections: "idle",
    // A slug as long as a URL can be is an unknown event, not the router's 414.
    routerOptions: { maxParamLength: 16 * 1024 },
    frameworkErrors: frameworkErrors(deps.log),
    clientErrorHandler: clientErrors(deps.log),
  });
  const loginMetrics = new LoginMetrics();
  const selfService = deps.selfService ?? outboxSelfService(deps);
  // After the requests in flight: the messages they queued are sent and recorded.
  app.addHook("onClose", () => selfService.stop());
  stopCleanly(app);
  accessLog(app, deps.log);
  errorReplies(app, deps.log);
  void app.register(health, { ws: deps.ws });
  void app.register(metrics, { ws: deps.ws, logins: loginMetrics });
  void app.register(jwks, { ws: deps.ws, now: deps.now });
  void app.register(venueApi, { ...deps, issuer: deps.publicUrl, metrics: loginMetrics });
  void app.register(attendeePages, {
    ...deps,
    issuer: deps.publicUrl,
    postsPerMinute: deps.pagePostsPerMinute ?? DEFAULT_POSTS_PER_MINUTE,
    selfService,
    prefix: "/e",
  });
  return app;
}

/** The outbox next to the workspace, as `send` writes without EVCRED_SMTP_URL. */
function outboxSelfService(deps: ServerDeps): SelfServiceResend {
  return new SelfServiceResend({
    ws: deps.ws,
    templatesDir: deps.templatesDir,
    now: deps.now,
    openTransport: () =>
      Promise.resolve(
        createTransport({
          smtpUrl: undefined,
          outboxDir: join(dirname(deps.ws.path), "outbox"),
          insecureSmtp: false,
          timeoutMs: 30_000,
          maxConnections: 1,
        }),
      ),
    retry: { attempts: 4, baseDelayMs: 1_000 },
    publicUrl: deps.publicUrl,
    onProblem: (line) => deps.log.write(`${line}\n`),
  });
}

/**
 * While stopping, every answer closes its connection: a keep-alive connection that just finished
 * a request in flight would otherwise hold the process open until the client lets it go.
 */
function stopCleanly(app: FastifyInstance): void {
  let closing = false;
  app.addHook("preClose", (done) => {
    closing = true;
    done();
  });
  app.addHook("onSend", (_request, reply, payload, done) => {
    if (closing) void reply.header("connection", "close");
    done(null, payload);
  });
}
