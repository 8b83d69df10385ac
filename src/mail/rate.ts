/**
 * `--rate`: a cap on messages per second, minute or hour, as mail providers quote them
 * (`10/s`, `600/min`, `5000/h`; a bare number is per second), and the pacer that holds it.
 */
import { setTimeout as sleep } from "node:timers/promises";
export interface Rate {
  /** At most this many messages… */
  messages: number;
  /** …every this many milliseconds. */
  perMs: number;
}

export type RateResult = { ok: true; rate: Rate } | { ok: false; reason: string };

const UNITS: Readonly<Record<string, number>> = {
  "": 1_000,
  s: 1_000,
  sec: 1_000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
};

/** The fastest pace accepted: beyond it a cap is no cap. */
export const MAX_PER_SECOND = 10_000;

export function parseRate(text: string): RateResult {
  const match = /^(\d+(?:\.\d+)?)(?:\/(s|sec|min|h|hr))?$/.exec(text.trim().toLowerCase());
  const perMs = match ? UNITS[match[2] ?? ""] : undefined;
  if (!match || perMs === undefined) {
    return {
      ok: false,
      reason: 'expected messages per second, minute or hour, e.g. "10/s", "600/min" or "5000/h"',
    };
  }
  const messages = Number(match[1]);
  if (!(messages > 0)) return { ok: false, reason: "must be above 0" };
  if ((messages * 1_000) / perMs > MAX_PER_SECOND) {
    return { ok: false, reason: `must be at most ${MAX_PER_SECOND} a second` };
  }
  return { ok: true, rate: { messages, perMs } };
}

/**
 * Waits for the next message's turn: message starts are spread evenly, one every
 * `perMs / messages` (600/min is one every 100 ms, not a burst of 600 then a minute's wait), so
 * the cap holds over any window, retries included. A wait rejects when `signal` aborts (Ctrl-C):
 * a slow rate never holds a stopping run, and the message it waited for is not sent.
 * (nodemailer's pool `rateLimit`, used before, checks only when a connection is released: each
 * pooled connection's first message went out unchecked, a burst of five at every start.)
 */
export function createPacer(
  rate: Rate,
  clock: () => number = Date.now,
): (signal?: AbortSignal) => Promise<void> {
  const gapMs = rate.perMs / rate.messages;
  let next = -Infinity;
  return async (signal) => {
    signal?.throwIfAborted();
    const now = clock();
    const at = Math.max(now, next);
    next = at + gapMs;
    if (at > now) await sleep(at - now, undefined, { signal });
  };
}
