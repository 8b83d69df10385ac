/**
 * "Forgot my code": an attendee asks for their credentials again, by email address alone. The
 * answer is the same whether the address is registered or not, and whether or not a message
 * goes: so nothing here tells the caller which. A registered attendee under the hour's limit
 * gets the template linked to `resend`, as a `self-service` delivery of the ledger.
 *
 * The delivery is claimed (a pending row) before the caller answers, so the limit counts it at
 * once and a server killed meanwhile leaves it visible; the message itself goes out after the
 * answer, in the background, so the answer waits neither for the SMTP server nor takes longer
 * for a registered address than for an unknown one. No HTTP here.
 */
import { findAttendee } from "../domain/attendees.js";
import { recordAudit } from "../domain/audit.js";
import { isValidEmail, normalizeEmail } from "../domain/email.js";
import { linkedTemplate } from "../domain/links.js";
import { selfServiceAllowed } from "../domain/self-service.js";
import { credentialTemplate, senderFor } from "../mail/deliver.js";
import { DeliveryLedger, ownerId, type Claim } from "../mail/ledger.js";
import { runDeliveries, type RetryPolicy } from "../mail/runner.js";
import { TransportError, type MailTransport } from "../mail/transport.js";
import type { EventRow } from "../store/schema.js";
import type { TemplatesDir } from "../mail/templates-dir.js";
import type { Workspace } from "../store/workspace.js";

export interface SelfServiceDeps {
  ws: Workspace;
  /** The workspace's own templates (EVCRED_TEMPLATES, else beside the workspace). */
  templatesDir: TemplatesDir;
  now: () => Date;
  /** Opens the mail transport, ready to send (connected, authenticated); closed after use. */
  openTransport: () => Promise<MailTransport>;
  retry: RetryPolicy;
  /** Where the service is reached: the base of the message's `it.links.*`. */
  publicUrl: () => string;
  /** A message that did not go, for the server's log: never an email address or a code. */
  onProblem: (line: string) => void;
}

export type ForgotResult =
  /** Nothing is linked to `resend` for the event: the page says it is not offered. */
  | { outcome: "not-enabled" }
  /** Not an email address at all. */
  | { outcome: "invalid-email" }
  /** The one answer for a registered address, an unknown one, and one over the limit. */
  | { outcome: "on-its-way" };

const ACTOR = "attendee (forgot my code page)";

/** Whether the event offers "forgot my code": a template is linked to `resend`. */
export async function selfServiceEnabled(ws: Workspace, event: EventRow): Promise<boolean> {
  return (await linkedTemplate(ws, event, "resend")) !== undefined;
}

export class SelfServiceResend {
  readonly #deps: SelfServiceDeps;
  readonly #owner = ownerId();
  readonly #stop = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();

  constructor(deps: SelfServiceDeps) {
    this.#deps = deps;
  }

  /**
   * Decides and claims now; sends after the caller has answered (on a later turn of the event
   * loop). The result says nothing about the address.
   */
  async request(event: EventRow, input: { email: string }): Promise<ForgotResult> {
    const email = normalizeEmail(input.email);
    if (!isValidEmail(email)) return { outcome: "invalid-email" };
    const template = await linkedTemplate(this.#deps.ws, event, "resend");
    if (template === undefined) return { outcome: "not-enabled" };
    if (this.#stop.signal.aborted) return { outcome: "on-its-way" };
    const claim = await this.#claim(event, template, email);
    if (claim) {
      const sending = new Promise<void>((resolve) => {
        setImmediate(() => {
          void this.#send(event, template, claim).finally(resolve);
        });
      });
      this.#inFlight.add(sending);
      void sending.finally(() => this.#inFlight.delete(sending));
    }
    return { outcome: "on-its-way" };
  }

  /** Stops taking requests; resolves once the messages in flight are sent and recorded. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.all([...this.#inFlight]);
  }

  /** Waits for the messages in flight (tests, a graceful stop). */
  async drain(): Promise<void> {
    await Promise.all([...this.#inFlight]);
  }

  /** The attendee's delivery, claimed under the hour's limit in one write transaction. */
  #claim(event: EventRow, template: string, email: string): Promise<Claim | undefined> {
    const { ws, now } = this.#deps;
    const ledger = this.#ledger(event, template);
    return ws.transaction(async (tx) => {
      const attendee = await findAttendee(tx, event, email);
      if (!attendee || !(await selfServiceAllowed(tx, attendee, now()))) return undefined;
      // Empty when a send of this template to them is in flight: that one is on its way.
      return (await ledger.claimIn(tx, [attendee.id]))[0];
    });
  }

  #ledger(event: EventRow, template: string): DeliveryLedger {
    return new DeliveryLedger(this.#deps.ws, {
      eventId: event.id,
      template,
      purpose: "self-service",
      campaignId: null,
      owner: this.#owner,
      onlyDue: false,
      now: this.#deps.now,
    });
  }

  async #send(event: EventRow, templateName: string, claim: Claim): Promise<void> {
    const { ws, now } = this.#deps;
    let transport: MailTransport | undefined;
    try {
      const template = credentialTemplate(this.#deps.templatesDir, templateName, event);
      transport = await this.#deps.openTransport();
      const summary = await runDeliveries(ws, {
        event,
        template,
        transport,
        from: senderFor(event, transport.kind),
        purpose: "self-service",
        attendeeIds: [],
        claimed: [claim],
        owner: this.#owner,
        onlyDue: false,
        publicUrl: this.#deps.publicUrl() || undefined,
        retry: this.#deps.retry,
        concurrency: 1,
        now,
        signal: this.#stop.signal,
      });
      // A template that broke for them names their address: not for the server's log.
      const failure = (summary.failed[0]?.response ?? summary.stoppedBy)?.replaceAll(
        claim.attendee.email,
        "this attendee",
      );
      await recordAudit(ws.store, {
        actor: ACTOR,
        at: now().toISOString(),
        action: "resend",
        eventId: event.id,
        attendeeId: claim.attendee.id,
        email: claim.attendee.email,
        summary: `${template.name} via ${transport.kind} (self-service): ${summary.sent} sent${failure ? `, not sent: ${failure}` : ""}`,
      });
      if (summary.sent === 0) {
        this.#deps.onProblem(
          `forgot: credentials for ${event.slug} (delivery ${claim.deliveryId}) not sent: ${failure ?? "interrupted"}`,
        );
      }
    } catch (error) {
      // No template, no sender, no server: the claim is closed as failed (the attendee can ask
      // again), with the reason the organizer sees in `attendees show`.
      const reason = error instanceof TransportError ? error.response : errorText(error);
      await this.#ledger(event, templateName)
        .settle(claim.deliveryId, {
          status: "failed",
          messageId: null,
          response: reason,
          attempts: 0,
        })
        .catch(() => undefined);
      this.#deps.onProblem(
        `forgot: credentials for ${event.slug} (delivery ${claim.deliveryId}) not sent: ${reason}`,
      );
    } finally {
      transport?.close();
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
