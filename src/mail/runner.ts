/**
 * The delivery runner: the one place a sealed code is opened, right before its message is
 * rendered. Each delivery is claimed in the ledger first (a `pending` row with a lease naming
 * this process), so two senders never mail the same attendee at once and a crashed sender's
 * claims are recognised as dead. A delivery becomes `sent` only after the server (or the outbox)
 * accepted it; a crash between the two leaves it `pending`, and the next run sends it again —
 * the only messages that can go twice are those in flight at the crash.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { groupCode } from "../domain/codes.js";
import type { AttendeeRow, EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";
import { DeliveryLedger, ownerId, type Claim, type LedgerScope } from "./ledger.js";
import { templateVars } from "./sample.js";
import { headerValue, type CompiledTemplate } from "./templates.js";
import { TransportError, type MailTransport, type OutgoingMessage } from "./transport.js";

export type Purpose = LedgerScope["purpose"];

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
}

export interface RunOptions {
  event: EventRow;
  template: CompiledTemplate;
  transport: MailTransport;
  from: string;
  purpose: Purpose;
  /** Who to send to, in order; each is re-checked when claimed. */
  attendeeIds: readonly number[];
  /** Only attendees still without a `sent` delivery of this template for their current code. */
  onlyDue: boolean;
  retry: RetryPolicy;
  concurrency: number;
  now: () => Date;
  /** Aborted on Ctrl-C: messages in flight finish and are recorded, nothing new starts. */
  signal: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface RunSummary {
  sent: number;
  failed: { email: string; response: string }[];
  /** Not sent this time: already sent meanwhile, or being sent by another process. */
  skipped: number;
  /** Claimed but never attempted because the run stopped; still due. */
  released: number;
  interrupted: boolean;
  /** Why the run stopped early: a failure no retry can fix (authentication, a dead server). */
  stoppedBy: string | undefined;
}

/** Consecutive deliveries that found no server at all, after their retries, before giving up. */
const DEAD_SERVER_AFTER = 3;

export async function runDeliveries(ws: Workspace, options: RunOptions): Promise<RunSummary> {
  const vault = ws.vault();
  const ledger = new DeliveryLedger(ws, {
    eventId: options.event.id,
    template: options.template.name,
    purpose: options.purpose,
    owner: ownerId(),
    onlyDue: options.onlyDue,
    now: options.now,
  });
  const summary: RunSummary = {
    sent: 0,
    failed: [],
    skipped: 0,
    released: 0,
    interrupted: false,
    stoppedBy: undefined,
  };
  const stop = new AbortController();
  const onAbort = () => {
    summary.interrupted = true;
    stop.abort();
  };
  options.signal.addEventListener("abort", onAbort, { once: true });
  if (options.signal.aborted) onAbort();

  ledger.reapDeadClaims();
  const total = options.attendeeIds.length;
  let done = 0;
  const progress = () => options.onProgress?.(++done, total);
  let cursor = 0;
  const queue: Claim[] = [];
  let deadInARow = 0;
  const release = (job: Claim) => {
    ledger.release(job.deliveryId);
    summary.released++;
  };
  const fail = (job: Claim, response: string, attempts: number) => {
    ledger.settle(job.deliveryId, { status: "failed", messageId: null, response, attempts });
    summary.failed.push({ email: job.attendee.email, response });
  };

  const next = (): Claim | undefined => {
    while (queue.length === 0 && cursor < total && !stop.signal.aborted) {
      const chunk = options.attendeeIds.slice(cursor, cursor + options.concurrency * 4);
      cursor += chunk.length;
      const claimed = ledger.claim(chunk);
      for (let i = claimed.length; i < chunk.length; i++) {
        summary.skipped++;
        progress();
      }
      queue.push(...claimed);
    }
    return queue.shift();
  };

  const deliver = async (job: Claim) => {
    const code = vault.open(job.attendee.codeSealed, {
      eventId: options.event.id,
      attendeeId: job.attendee.id,
    });
    let message: OutgoingMessage;
    try {
      message = compose(options, job.attendee, code);
    } catch (error) {
      // One attendee's data can break a template (a missing custom field): fail that one only.
      const reason = error instanceof Error ? error.message : String(error);
      fail(job, `template ${options.template.name} failed for this attendee: ${reason}`, 0);
      return;
    }
    for (let attempts = 1; ; attempts++) {
      if (stop.signal.aborted) {
        release(job);
        return;
      }
      try {
        const accepted = await options.transport.send(message);
        ledger.settle(job.deliveryId, { status: "sent", ...accepted, attempts });
        summary.sent++;
        deadInARow = 0;
        return;
      } catch (error) {
        const failure =
          error instanceof TransportError ? error : new TransportError("transient", String(error));
        if (failure.kind === "fatal") {
          summary.stoppedBy ??= failure.response;
          stop.abort();
          release(job);
          return;
        }
        if (failure.kind === "transient" && attempts < options.retry.attempts) {
          const delay =
            options.retry.baseDelayMs * 2 ** (attempts - 1) * (0.8 + Math.random() * 0.4);
          try {
            await sleep(delay, undefined, { signal: stop.signal });
          } catch {
            release(job);
            return;
          }
          continue;
        }
        fail(job, failure.response, attempts);
        // No SMTP reply at all, again and again: the server is gone; stop rather than fail everyone.
        if (failure.kind === "transient" && !/^\d{3}/.test(failure.response)) {
          if (++deadInARow >= DEAD_SERVER_AFTER) {
            summary.stoppedBy ??= `the mail server stopped answering (${failure.response})`;
            stop.abort();
          }
        } else deadInARow = 0;
        return;
      }
    }
  };

  const worker = async () => {
    for (let job = next(); job; job = next()) {
      await deliver(job);
      progress();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  } finally {
    for (const job of queue.splice(0)) release(job);
    options.signal.removeEventListener("abort", onAbort);
  }
  return summary;
}

function compose(options: RunOptions, attendee: AttendeeRow, code: string): OutgoingMessage {
  const rendered = options.template.render(templateVars(options.event, attendee, groupCode(code)));
  return {
    from: options.from,
    to: {
      name: headerValue(`${attendee.firstName} ${attendee.lastName}`.trim()),
      address: attendee.email,
    },
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
  };
}
