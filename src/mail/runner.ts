/**
 * The delivery runner: the one place a sealed code is opened, right before its message is
 * rendered. Each delivery is claimed in the ledger first (a `pending` row with a lease naming
 * this process), so two senders never mail the same attendee at once and a crashed sender's
 * claims are recognised as dead. A delivery becomes `sent` only after the server (or the outbox)
 * accepted it; a crash between the two leaves it `pending`, and the next run sends it again —
 * the only messages that can go twice are those in flight at the crash.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { shownCode } from "../domain/codes.js";
import type { AttendeeRow, EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";
import { DeliveryLedger, ownerId, type Claim, type LedgerScope } from "./ledger.js";
import { templateVars } from "./sample.js";
import { KeyError } from "../errors.js";
import { codeOwner, SealMismatchError } from "../vault/vault.js";
import { headerValue, TemplateError, type CompiledTemplate } from "./templates.js";
import {
  TransportError,
  type Accepted,
  type MailTransport,
  type OutgoingMessage,
} from "./transport.js";

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
  /** The campaign sending (its own ledger scope); absent for `send`, `resend` and `reset`. */
  campaignId?: number | null | undefined;
  /** Who to send to, in order; each is re-checked when claimed. */
  attendeeIds: readonly number[];
  /**
   * Deliveries the caller already claimed (with a ledger of the same scope and `owner`), sent
   * instead of claiming `attendeeIds`: the self-service page claims before it answers.
   */
  claimed?: readonly Claim[] | undefined;
  /** Where `evcred serve` is reached: the base of `it.links.*` (none when unknown). */
  publicUrl?: string | undefined;
  /** The claims' owner (`ownerId()`), when the caller claimed them. */
  owner?: string | undefined;
  /** Only attendees still without a `sent` delivery of this template for their current code. */
  onlyDue: boolean;
  /** `--rate`: waits for each attempt's turn; rejects when the run stops meanwhile. */
  pace?: ((signal: AbortSignal) => Promise<void>) | undefined;
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
  /** Of this run's attendees, neither sent, failed nor skipped: the run stopped first; still due. */
  notSent: number;
  interrupted: boolean;
  /** Why the run stopped early: a failure no retry can fix (authentication, a dead server). */
  stoppedBy: string | undefined;
}

/** How often a run extends the leases of what it claimed (they last ten minutes). */
const RENEW_EVERY_MS = 60_000;

export async function runDeliveries(ws: Workspace, options: RunOptions): Promise<RunSummary> {
  const vault = await ws.vault();
  const ledger = new DeliveryLedger(ws, {
    eventId: options.event.id,
    template: options.template.name,
    purpose: options.purpose,
    campaignId: options.campaignId ?? null,
    owner: options.owner ?? ownerId(),
    onlyDue: options.onlyDue,
    now: options.now,
  });
  const summary: RunSummary = {
    sent: 0,
    failed: [],
    skipped: 0,
    notSent: 0,
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

  await ledger.reapDeadClaims();
  const total = options.claimed ? options.claimed.length : options.attendeeIds.length;
  let done = 0;
  const progress = () => options.onProgress?.(++done, total);
  let cursor = options.claimed ? options.attendeeIds.length : 0;
  const queue: Claim[] = options.claimed ? [...options.claimed] : [];
  const release = (job: Claim) => ledger.release(job.deliveryId);
  const fail = async (job: Claim, response: string, attempts: number) => {
    await ledger.settle(job.deliveryId, { status: "failed", messageId: null, response, attempts });
    summary.failed.push({ email: job.attendee.email, response });
  };

  // The key was rotated after this run loaded it: nothing is wrong with the attendees, and
  // every code from here on would fail the same way. Stop; a rerun loads the new key.
  const keyRotated = () => {
    summary.stoppedBy ??=
      "the master key was rotated while sending (evcred key rotate); the rest is still due";
    stop.abort();
  };
  // Claimed a chunk at a time (twice as many as there are workers), the next one as the queue
  // runs low: it is claimed while the last is sent, so no worker waits on the database's round
  // trips, and a claim's transaction is shared by as many messages. Claims stay short-lived: at
  // most three workers' worth are claimed and not yet sent.
  const claimChunk = async (): Promise<void> => {
    const chunk = options.attendeeIds.slice(cursor, cursor + 2 * options.concurrency);
    cursor += chunk.length;
    let claimed: Claim[];
    try {
      claimed = await ledger.claim(chunk);
    } catch (error) {
      if (!(error instanceof KeyError)) throw error;
      keyRotated();
      return;
    }
    for (let i = claimed.length; i < chunk.length; i++) {
      summary.skipped++;
      progress();
    }
    queue.push(...claimed);
  };
  let claiming: Promise<void> | undefined;
  let claimFailed: { error: unknown } | undefined;
  const refill = (): Promise<void> => {
    claiming ??= claimChunk()
      .catch((error: unknown) => {
        claimFailed ??= { error };
      })
      .finally(() => {
        claiming = undefined;
      });
    return claiming;
  };
  const more = () => cursor < options.attendeeIds.length && !stop.signal.aborted;
  let renewedAt = Date.now();
  const take = async (): Promise<Claim | undefined> => {
    if (Date.now() - renewedAt > RENEW_EVERY_MS) {
      renewedAt = Date.now();
      await ledger.renew();
    }
    for (;;) {
      if (claimFailed) throw claimFailed.error;
      if (queue.length > 0) break;
      // A chunk claimed ahead and not back yet is more work, not the end of the run.
      if (claiming) await claiming;
      else if (more()) await refill();
      else break;
    }
    const job = queue.shift();
    if (queue.length < options.concurrency && more()) void refill();
    return job;
  };
  // One worker takes at a time: a claim in progress is awaited, not claimed twice over.
  let taking: Promise<Claim | undefined> = Promise.resolve(undefined);
  const next = (): Promise<Claim | undefined> => {
    const turn = taking.then(take, take);
    taking = turn;
    return turn;
  };

  const deliver = async (job: Claim) => {
    let message: OutgoingMessage;
    try {
      const code = vault.open(job.attendee.codeSealed, codeOwner(job.attendee));
      message = compose(options, job.attendee, code);
    } catch (error) {
      if (error instanceof KeyError && (await ws.getMeta("key_id")) !== vault.keyId) {
        keyRotated();
        await release(job);
        return;
      }
      // One attendee's row or data can break (a damaged seal, a template that trips on a
      // missing custom field): fail that one only. The reason never quotes the error's text,
      // which could hold the code the template was rendering.
      await fail(job, cannotCompose(options.template, error, job.attendee.email), 0);
      return;
    }
    for (let attempts = 1; ; attempts++) {
      if (stop.signal.aborted) {
        await release(job);
        return;
      }
      if (options.pace) {
        try {
          await options.pace(stop.signal);
        } catch {
          await release(job);
          return;
        }
      }
      let accepted: Accepted;
      try {
        accepted = await options.transport.send(message);
      } catch (error) {
        const failure =
          error instanceof TransportError ? error : new TransportError("connection", String(error));
        const retryable = failure.kind === "transient" || failure.kind === "connection";
        if (failure.kind === "fatal") {
          summary.stoppedBy ??= failure.response;
          stop.abort();
          await release(job);
          return;
        }
        if (retryable && attempts < options.retry.attempts) {
          const delay =
            options.retry.baseDelayMs * 2 ** (attempts - 1) * (0.8 + Math.random() * 0.4);
          try {
            await sleep(delay, undefined, { signal: stop.signal });
          } catch {
            await release(job);
            return;
          }
          continue;
        }
        // No SMTP reply at all, even after the retries: the server is gone, which says nothing
        // about this attendee. Stop the run; they and the rest stay due for a rerun.
        if (failure.kind === "connection") {
          summary.stoppedBy ??= `the mail server stopped answering (${failure.response})`;
          stop.abort();
          await release(job);
          return;
        }
        await fail(job, failure.response, attempts);
        return;
      }
      // Outside the try: if recording fails, the message must not be sent again. The error
      // stops the run; the claims of the failed batch (settled together with this one) stay
      // pending, and the next run counts them as in flight.
      await ledger.settle(job.deliveryId, { status: "sent", ...accepted, attempts });
      summary.sent++;
      return;
    }
  };

  const worker = async () => {
    for (let job = await next(); job; job = await next()) {
      await deliver(job);
      progress();
    }
  };
  // A forced exit skips the end of the turn where settlements are written: write them then.
  // (A write that fails there leaves the rows pending; the next run counts them as in flight.)
  const writeOnExit = () => {
    ledger.writeAtExit();
  };
  process.on("exit", writeOnExit);
  const workers = Array.from({ length: Math.max(1, options.concurrency) }, () =>
    worker().catch((error: unknown) => {
      // An unexpected failure (the database) stops every worker before it sends more.
      stop.abort();
      throw error;
    }),
  );
  try {
    const outcomes = await Promise.allSettled(workers);
    const failed = outcomes.find((o) => o.status === "rejected");
    if (failed) throw failed.reason;
  } finally {
    process.off("exit", writeOnExit);
    await claiming; // a chunk claimed ahead is released with the rest
    for (const job of queue.splice(0)) await release(job);
    options.signal.removeEventListener("abort", onAbort);
  }
  summary.notSent = total - summary.sent - summary.failed.length - summary.skipped;
  return summary;
}

/** Why a message could not be made, without quoting anything that could hold the code. */
function cannotCompose(template: CompiledTemplate, error: unknown, email: string): string {
  // Names the attendee and says the record was changed outside evcred (a redirected email).
  if (error instanceof SealMismatchError) return `${error.message}; nothing was mailed`;
  if (error instanceof KeyError) return `the sealed code does not open: reset this attendee's code`;
  const where =
    error instanceof TemplateError && error.line !== undefined
      ? ` at ${error.file}:${error.line}`
      : "";
  return `template ${template.name} failed for this attendee${where}; see why with: evcred preview ${template.name} --to ${email}`;
}

function compose(options: RunOptions, attendee: AttendeeRow, code: string): OutgoingMessage {
  const rendered = options.template.render(
    templateVars(options.event, attendee, shownCode(code, attendee.codeSource), options.publicUrl),
  );
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
