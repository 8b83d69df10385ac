/**
 * The delivery runner: the one place a sealed code is opened, right before its message is
 * rendered. Each delivery is claimed in the database first (a `pending` row with a lease naming
 * this process), so two senders never mail the same attendee at once and a crashed sender's
 * claims are recognised as dead. A delivery becomes `sent` only after the server (or the outbox)
 * accepted it; a crash between the two leaves it `pending`, and the next run sends it again —
 * the only messages that can go twice are those in flight at the crash.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { and, eq, inArray, sql } from "drizzle-orm";
import { groupCode } from "../domain/codes.js";
import { attendees, deliveries, type AttendeeRow, type EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";
import { templateVars } from "./sample.js";
import { headerValue, type CompiledTemplate } from "./templates.js";
import { TransportError, type MailTransport, type OutgoingMessage } from "./transport.js";

export type Purpose = "send" | "resend" | "reset";

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

const LEASE_MS = 10 * 60 * 1000;
/** Consecutive deliveries that found no server at all, after their retries, before giving up. */
const DEAD_SERVER_AFTER = 3;

export async function runDeliveries(ws: Workspace, options: RunOptions): Promise<RunSummary> {
  const vault = ws.vault();
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
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

  reapDeadClaims(ws, options.event.id, options.now());
  const total = options.attendeeIds.length;
  let done = 0;
  const progress = () => options.onProgress?.(++done, total);
  let cursor = 0;
  const queue: Claimed[] = [];
  let deadInARow = 0;

  const next = (): Claimed | undefined => {
    while (queue.length === 0 && cursor < total && !stop.signal.aborted) {
      const chunk = options.attendeeIds.slice(cursor, cursor + options.concurrency * 4);
      cursor += chunk.length;
      const claimed = claim(ws, chunk, options, owner);
      for (let i = claimed.length; i < chunk.length; i++) {
        summary.skipped++;
        progress();
      }
      queue.push(...claimed);
    }
    return queue.shift();
  };

  const deliver = async (job: Claimed) => {
    const code = vault.open(job.attendee.codeSealed, {
      eventId: options.event.id,
      attendeeId: job.attendee.id,
    });
    let message: OutgoingMessage;
    try {
      message = compose(options, job.attendee, code);
    } catch (error) {
      // One attendee's data can break a template (a missing custom field): fail that one only.
      const response = `template ${options.template.name} failed for this attendee: ${error instanceof Error ? error.message : String(error)}`;
      settle(
        ws,
        job.deliveryId,
        { status: "failed", messageId: null, response, attempts: 0 },
        options.now(),
      );
      summary.failed.push({ email: job.attendee.email, response });
      return;
    }
    let attempts = 0;
    for (;;) {
      if (stop.signal.aborted) {
        release(ws, job, summary);
        return;
      }
      attempts++;
      try {
        const accepted = await options.transport.send(message);
        settle(
          ws,
          job.deliveryId,
          { status: "sent", messageId: accepted.messageId, response: accepted.response, attempts },
          options.now(),
        );
        summary.sent++;
        deadInARow = 0;
        return;
      } catch (error) {
        const failure =
          error instanceof TransportError ? error : new TransportError("transient", String(error));
        if (failure.kind === "fatal") {
          summary.stoppedBy ??= failure.response;
          stop.abort();
          release(ws, job, summary);
          return;
        }
        if (failure.kind === "transient" && attempts < options.retry.attempts) {
          const delay =
            options.retry.baseDelayMs * 2 ** (attempts - 1) * (0.8 + Math.random() * 0.4);
          try {
            await sleep(delay, undefined, { signal: stop.signal });
          } catch {
            release(ws, job, summary);
            return;
          }
          continue;
        }
        settle(
          ws,
          job.deliveryId,
          { status: "failed", messageId: null, response: failure.response, attempts },
          options.now(),
        );
        summary.failed.push({ email: job.attendee.email, response: failure.response });
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
    for (const job of queue.splice(0)) release(ws, job, summary);
    options.signal.removeEventListener("abort", onAbort);
  }
  return summary;
}

interface Claimed {
  deliveryId: number;
  attendee: AttendeeRow;
}

/**
 * Claims the attendees of `ids` that nobody else is sending to (and that are still due when
 * `onlyDue`), in one write transaction: a pending delivery row each, leased to `owner`.
 */
function claim(
  ws: Workspace,
  ids: readonly number[],
  options: RunOptions,
  owner: string,
): Claimed[] {
  if (ids.length === 0) return [];
  const now = options.now();
  const at = now.toISOString();
  const leaseEnd = new Date(now.getTime() + LEASE_MS).toISOString();
  return ws.transaction(() => {
    const rows = ws.db
      .select()
      .from(attendees)
      .where(
        and(
          inArray(attendees.id, [...ids]),
          eq(attendees.eventId, options.event.id),
          sql`not exists (select 1 from ${deliveries} d where d.attendee_id = ${attendees.id} and d.template = ${options.template.name} and d.status = 'pending' and d.lease_expires_at > ${at})`,
          options.onlyDue
            ? sql`not exists (select 1 from ${deliveries} d where d.attendee_id = ${attendees.id} and d.template = ${options.template.name} and d.status = 'sent' and d.code_version = ${attendees.codeVersion})`
            : sql`1`,
        ),
      )
      .all();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const claimed: Claimed[] = [];
    for (const id of ids) {
      const attendee = byId.get(id);
      if (!attendee) continue;
      const row = ws.db
        .insert(deliveries)
        .values({
          eventId: options.event.id,
          attendeeId: id,
          template: options.template.name,
          purpose: options.purpose,
          codeVersion: attendee.codeVersion,
          status: "pending",
          attempts: 0,
          leaseOwner: owner,
          leaseExpiresAt: leaseEnd,
          createdAt: at,
          updatedAt: at,
        })
        .returning({ id: deliveries.id })
        .get();
      claimed.push({ deliveryId: row.id, attendee });
    }
    return claimed;
  });
}

function settle(
  ws: Workspace,
  deliveryId: number,
  result: {
    status: "sent" | "failed";
    messageId: string | null;
    response: string;
    attempts: number;
  },
  now: Date,
): void {
  ws.db
    .update(deliveries)
    .set({ ...result, leaseOwner: null, leaseExpiresAt: null, updatedAt: now.toISOString() })
    .where(eq(deliveries.id, deliveryId))
    .run();
}

/** A claim never attempted (or whose message the server never took) is dropped: still due. */
function release(ws: Workspace, job: Claimed, summary: RunSummary): void {
  ws.db
    .delete(deliveries)
    .where(and(eq(deliveries.id, job.deliveryId), eq(deliveries.status, "pending")))
    .run();
  summary.released++;
}

/**
 * Pending deliveries whose sender is gone (its process no longer runs, or its lease ran out)
 * may or may not have reached the server; they are closed as failed, which leaves the attendee
 * due, so this run sends them again.
 */
function reapDeadClaims(ws: Workspace, eventId: number, now: Date): void {
  const pending = ws.db
    .select({ id: deliveries.id, owner: deliveries.leaseOwner, until: deliveries.leaseExpiresAt })
    .from(deliveries)
    .where(and(eq(deliveries.eventId, eventId), eq(deliveries.status, "pending")))
    .all();
  const dead = pending.filter(
    (p) => !p.until || p.until <= now.toISOString() || ownerIsDead(p.owner),
  );
  if (dead.length === 0) return;
  ws.db
    .update(deliveries)
    .set({
      status: "failed",
      response: "the sending process stopped before the server answered; sent again by a later run",
      leaseOwner: null,
      leaseExpiresAt: null,
      updatedAt: now.toISOString(),
    })
    .where(
      inArray(
        deliveries.id,
        dead.map((d) => d.id),
      ),
    )
    .run();
}

function ownerIsDead(owner: string | null): boolean {
  if (!owner) return true;
  const [host, pid] = owner.split(":");
  if (host !== hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as { code?: string }).code === "ESRCH";
  }
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
