/**
 * Credentials out, for send, resend and reset: the template checked, the transport opened (and
 * proven to answer) before anything is claimed, progress reported, one audit entry. No Context:
 * the face passes the mail settings it parsed once, how to open a ready transport, and callbacks
 * for progress and interruption (commands/mail-delivery.ts builds them for the CLI).
 */
import { availableParallelism } from "node:os";
import { recordAudit } from "../domain/audit.js";
import { linkedTemplate, noLinkError, type LinkAction } from "../domain/links.js";
import { EvcredError } from "../errors.js";
import { DomainError } from "../domain/errors.js";
import type { AttendeeRow, EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";
import { runDeliveries, type Purpose, type RunSummary } from "./runner.js";
import { assertCredentialTemplate, loadTemplate, type CompiledTemplate } from "./templates.js";
import type { TemplatesDir } from "./templates-dir.js";
import { createPacer, type Rate } from "./rate.js";
import { renderSample } from "./sample.js";
import { transportKind, type MailSettings } from "./settings.js";
import { TransportError, type Accepted, type MailTransport } from "./transport.js";

/** What a delivery needs from the face that starts it. */
export interface DeliveryDeps {
  settings: MailSettings;
  /** A transport of `settings`, connected and authenticated (a face may ask for a password). */
  openTransport: () => Promise<MailTransport>;
  /** Who sends, for the audit log. */
  actor: string;
  now: () => Date;
  /** Called as sending starts: the signal that stops it (messages in flight finish). */
  interrupts?: () => AbortSignal;
  /** Called as sending to more than one attendee starts: where progress goes until `stop`. */
  progress?: (options: { minMsPerItem?: number | undefined }) => Promise<DeliveryProgress>;
}

export interface DeliveryProgress {
  update(done: number, total: number): void;
  stop(): void;
}

export interface MailOptions {
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
  templatesDir: TemplatesDir,
  name: string,
  event: Pick<EventRow, "locale">,
): CompiledTemplate {
  const template = loadTemplate(templatesDir, name, event.locale);
  assertCredentialTemplate(template);
  return template;
}

/** The template linked to `action` for the event, checked; without a link, how to make one. */
export async function linkedCredentialTemplate(
  ws: Workspace,
  templatesDir: TemplatesDir,
  event: EventRow,
  action: LinkAction,
): Promise<CompiledTemplate> {
  const name = await linkedTemplate(ws, event, action);
  if (!name) throw noLinkError(event, action);
  return credentialTemplate(templatesDir, name, event);
}

/** `From`: the event's sender; the outbox alone may do without one. */
export function senderFor(event: EventRow, kind: MailTransport["kind"]): string {
  if (event.fromAddress) return event.fromAddress;
  if (kind === "outbox") return `"${event.name.replace(/["\r\n]/g, "")}" <no-reply@localhost>`;
  throw new DomainError({ code: "no-sender", event: event.slug });
}

/**
 * What a send can be refused for without a server, checked before anyone is asked to confirm
 * or anything changes: the mail settings, the master key, and the event's sender.
 */
export async function checkCanSend(
  settings: MailSettings,
  ws: Workspace,
  event: EventRow,
): Promise<void> {
  await ws.vault();
  senderFor(event, transportKind(settings));
}

/** `send --test-to`: one message rendered for a sample (code masked) to the organizer. */
export async function sendTestMessage(
  deps: DeliveryDeps,
  ws: Workspace,
  request: MailOptions & {
    event: EventRow;
    template: CompiledTemplate;
    to: string;
    sample?: AttendeeRow | undefined;
  },
): Promise<Accepted> {
  const transport = await deps.openTransport();
  try {
    const message = renderSample(
      request.template,
      request.event,
      request.sample,
      deps.settings.publicUrl,
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
    await recordAudit(ws.store, {
      actor: deps.actor,
      at: deps.now().toISOString(),
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
  deps: DeliveryDeps,
  ws: Workspace,
  request: DeliverRequest,
): Promise<ReadyDelivery> {
  await checkCanSend(deps.settings, ws, request.event); // a wrong master key fails here, before anything is claimed or sent
  const transport = await deps.openTransport();
  const from = senderFor(request.event, transport.kind);
  return {
    description: transport.description,
    run: () => runPrepared(deps, ws, request, transport, from),
    close: () => {
      transport.close();
    },
  };
}

export async function deliver(
  deps: DeliveryDeps,
  ws: Workspace,
  request: DeliverRequest,
): Promise<RunSummary> {
  const ready = await prepareDelivery(deps, ws, request);
  try {
    return await ready.run();
  } finally {
    ready.close();
  }
}

async function runPrepared(
  deps: DeliveryDeps,
  ws: Workspace,
  request: DeliverRequest,
  transport: MailTransport,
  from: string,
): Promise<RunSummary> {
  const progress =
    request.attendeeIds.length > 1
      ? await deps.progress?.({
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
      publicUrl: deps.settings.publicUrl,
      pace: request.rate ? createPacer(request.rate) : undefined,
      retry: deps.settings.retry,
      concurrency:
        transport.kind === "smtp"
          ? deps.settings.smtpConcurrency
          : Math.max(2, availableParallelism()),
      now: deps.now,
      signal: deps.interrupts?.() ?? new AbortController().signal,
      onProgress: (done, total) => {
        progress?.update(done, total);
      },
    });
    await recordAudit(ws.store, {
      actor: deps.actor,
      at: deps.now().toISOString(),
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
