/**
 * Credentials out, for send, resend and reset: the template checked, the transport opened (and
 * proven to answer) before anything is claimed, a progress bar on a terminal, one audit entry.
 */
import { availableParallelism } from "node:os";
import { dirname } from "node:path";
import type { Context } from "../context.js";
import { recordAudit } from "../domain/audit.js";
import { linkedTemplate, noLinkError, type LinkAction } from "../domain/links.js";
import { EvcredError, MissingAnswerError, UsageError } from "../errors.js";
import { startProgress } from "../render/progress.js";
import type { AttendeeRow, EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";
import { runDeliveries, type Purpose, type RunSummary } from "./runner.js";
import { assertCredentialTemplate, loadTemplate, type CompiledTemplate } from "./templates.js";
import { createPacer, type Rate } from "./rate.js";
import { renderSample } from "./sample.js";
import {
  checkMailEnvironment,
  positiveInt,
  publicUrlFrom,
  retryPolicy,
  smtpConcurrency,
} from "./settings.js";
import {
  createTransport,
  parseSmtpUrl,
  TransportError,
  type Accepted,
  type MailTransport,
  type TransportSettings,
} from "./transport.js";

export interface MailOptions {
  insecureSmtp: boolean;
  /** `--rate`: at most so many messages in so long. */
  rate?: Rate | undefined;
}

export interface DeliverRequest extends MailOptions {
  event: EventRow;
  template: CompiledTemplate;
  attendeeIds: readonly number[];
  onlyDue: boolean;
  purpose: Purpose;
  /** The one recipient's email, when there is one: the audit entry names them (`log --attendee`). */
  email?: string | undefined;
}

/**
 * The template by name, in the event's language, refused unless it carries both the email and
 * the code.
 */
export function credentialTemplate(
  ws: Workspace,
  name: string,
  event: Pick<EventRow, "locale">,
): CompiledTemplate {
  const template = loadTemplate(dirname(ws.path), name, event.locale);
  assertCredentialTemplate(template);
  return template;
}

/** The template linked to `action` for the event, checked; without a link, how to make one. */
export function linkedCredentialTemplate(
  ws: Workspace,
  event: EventRow,
  action: LinkAction,
): CompiledTemplate {
  const name = linkedTemplate(ws, event, action);
  if (!name) throw noLinkError(event, action);
  return credentialTemplate(ws, name, event);
}

/** The transport from the environment; a URL with a user and no password asks for it on a terminal. */
export async function openTransport(ctx: Context, options: MailOptions): Promise<MailTransport> {
  const url = ctx.env.EVCRED_SMTP_URL || undefined;
  let password: string | undefined;
  if (url) {
    const parsed = parseSmtpUrl(url);
    if (parsed.user && !parsed.password) {
      if (!ctx.canPrompt()) {
        throw new MissingAnswerError(
          `SMTP password for ${parsed.user}`,
          "the password inside EVCRED_SMTP_URL",
        );
      }
      password = await ctx.prompter.password(`SMTP password for ${parsed.user}@${parsed.host}`);
    }
  }
  return createTransport(transportSettings(ctx.env, (p) => ctx.path(p), options, password));
}

/**
 * The transport settings the environment gives: `EVCRED_SMTP_URL` (else the outbox folder),
 * timeouts, pool size. `resolve` makes the outbox path absolute (against the working folder).
 */
export function transportSettings(
  env: NodeJS.ProcessEnv,
  resolve: (path: string) => string,
  options: Pick<MailOptions, "insecureSmtp">,
  password?: string,
): TransportSettings {
  return {
    smtpUrl: env.EVCRED_SMTP_URL || undefined,
    password,
    outboxDir: resolve(env.EVCRED_OUTBOX || "outbox"),
    insecureSmtp: options.insecureSmtp,
    timeoutMs: positiveInt(env.EVCRED_SMTP_TIMEOUT_MS, "EVCRED_SMTP_TIMEOUT_MS") ?? 30_000,
    maxConnections: positiveInt(env.EVCRED_SMTP_CONNECTIONS, "EVCRED_SMTP_CONNECTIONS") ?? 5,
  };
}

/** Which transport the environment chooses, known before anything is opened. */
export function transportKind(env: NodeJS.ProcessEnv): MailTransport["kind"] {
  return env.EVCRED_SMTP_URL ? "smtp" : "outbox";
}

/** `From`: the event's sender; the outbox alone may do without one. */
export function senderFor(event: EventRow, kind: MailTransport["kind"]): string {
  if (event.fromAddress) return event.fromAddress;
  if (kind === "outbox") return `"${event.name.replace(/["\r\n]/g, "")}" <no-reply@localhost>`;
  throw new UsageError(`event ${event.slug} has no sender address`, {
    hint: `set one with: evcred event update ${event.slug} --from "Team <team@example.com>"`,
  });
}

/**
 * What a send can be refused for without a server, checked before anyone is asked to confirm
 * or anything changes: the mail settings, the master key, and the event's sender.
 */
export function checkCanSend(ctx: Context, ws: Workspace, event: EventRow): void {
  checkMailEnvironment(ctx.env);
  ws.vault();
  senderFor(event, transportKind(ctx.env));
}

/** The transport, opened and proven to answer (connected, authenticated), or one clear error. */
export async function readyTransport(ctx: Context, options: MailOptions): Promise<MailTransport> {
  const transport = await openTransport(ctx, options);
  try {
    await transport.verify();
    return transport;
  } catch (error) {
    transport.close();
    const reason = error instanceof TransportError ? error.response : String(error);
    throw new EvcredError(`cannot send through ${transport.description}: ${reason}`, {
      hint: "check EVCRED_SMTP_URL, or run `evcred doctor`",
      cause: error,
    });
  }
}

/** `send --test-to`: one message rendered for a sample (code masked) to the organizer. */
export async function sendTestMessage(
  ctx: Context,
  ws: Workspace,
  request: MailOptions & {
    event: EventRow;
    template: CompiledTemplate;
    to: string;
    sample?: AttendeeRow | undefined;
  },
): Promise<Accepted> {
  const transport = await readyTransport(ctx, request);
  try {
    const message = renderSample(
      request.template,
      request.event,
      request.sample,
      publicUrlFrom(ctx.env),
    );
    const accepted = await transport
      .send({
        ...message,
        // Not an attendee's credentials, and it must not pass for them in an inbox.
        subject: `[TEST] ${message.subject}`,
        from: senderFor(request.event, transport.kind),
        to: { name: "", address: request.to },
      })
      .catch((error: unknown) => {
        const reason = error instanceof TransportError ? error.response : String(error);
        throw new EvcredError(`the test message to ${request.to} was not accepted: ${reason}`, {
          cause: error,
        });
      });
    recordAudit(ws, {
      actor: ctx.actor,
      at: ctx.now().toISOString(),
      action: "send",
      eventId: request.event.id,
      summary: `${request.template.name}: a test message (code masked) to ${request.to} via ${transport.kind}`,
    });
    return accepted;
  } finally {
    transport.close();
  }
}

/** A send made ready: everything checked, the server answering; `run` sends, `close` ends it. */
export interface ReadyDelivery {
  /** Where mail goes, safe to print. */
  description: string;
  run(): Promise<RunSummary>;
  close(): void;
}

/**
 * Everything a send needs, checked and opened before it is confirmed: the settings, the master
 * key, the sender, the server (connected and authenticated). Nothing is claimed yet.
 */
export async function prepareDelivery(
  ctx: Context,
  ws: Workspace,
  request: DeliverRequest,
): Promise<ReadyDelivery> {
  checkCanSend(ctx, ws, request.event); // a wrong master key fails here, before anything is claimed or sent
  const transport = await readyTransport(ctx, request);
  const from = senderFor(request.event, transport.kind);
  return {
    description: transport.description,
    run: () => runPrepared(ctx, ws, request, transport, from),
    close: () => {
      transport.close();
    },
  };
}

export async function deliver(
  ctx: Context,
  ws: Workspace,
  request: DeliverRequest,
): Promise<RunSummary> {
  const ready = await prepareDelivery(ctx, ws, request);
  try {
    return await ready.run();
  } finally {
    ready.close();
  }
}

async function runPrepared(
  ctx: Context,
  ws: Workspace,
  request: DeliverRequest,
  transport: MailTransport,
  from: string,
): Promise<RunSummary> {
  const progress =
    request.attendeeIds.length > 1
      ? await startProgress(ctx, "sending", {
          minMsPerItem: request.rate && request.rate.perMs / request.rate.messages,
        })
      : undefined;
  try {
    const summary = await runDeliveries(ws, {
      event: request.event,
      template: request.template,
      transport,
      from,
      purpose: request.purpose,
      attendeeIds: request.attendeeIds,
      onlyDue: request.onlyDue,
      publicUrl: publicUrlFrom(ctx.env),
      pace: request.rate ? createPacer(request.rate) : undefined,
      retry: retryPolicy(ctx.env),
      concurrency:
        transport.kind === "smtp" ? smtpConcurrency(ctx.env) : Math.max(2, availableParallelism()),
      now: () => ctx.now(),
      signal: ctx.takeInterrupts(),
      onProgress: (done, total) => {
        progress?.update(done, total);
      },
    });
    recordAudit(ws, {
      actor: ctx.actor,
      at: ctx.now().toISOString(),
      action: request.purpose === "resend" ? "resend" : "send",
      eventId: request.event.id,
      attendeeId: request.attendeeIds.length === 1 ? request.attendeeIds[0] : null,
      email: request.attendeeIds.length === 1 ? request.email : null,
      summary: `${request.template.name} via ${transport.kind}: ${summary.sent} sent, ${summary.failed.length} failed${summary.interrupted ? ", interrupted" : ""}${summary.stoppedBy ? `, stopped: ${summary.stoppedBy}` : ""}`,
    });
    return summary;
  } finally {
    progress?.stop();
  }
}
