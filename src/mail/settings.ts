/**
 * The mail settings from the environment, checked without connecting anywhere: a command that
 * changes something and then sends (`reset-code --send`) checks them first, so a malformed
 * `EVCRED_SMTP_URL` is refused before the change, as any bad input is (exit 2, nothing changed).
 */
import { UsageError } from "../errors.js";
import { parseSmtpUrl } from "./transport.js";

const NUMBERS = ["EVCRED_SMTP_TIMEOUT_MS", "EVCRED_SMTP_CONNECTIONS", "EVCRED_SMTP_RETRY_MS"];

export function checkMailEnvironment(env: NodeJS.ProcessEnv): void {
  if (env.EVCRED_SMTP_URL) parseSmtpUrl(env.EVCRED_SMTP_URL);
  for (const name of NUMBERS) positiveInt(env[name], name);
  publicUrlFrom(env);
}

/**
 * Where `evcred serve` is reached (EVCRED_PUBLIC_URL), for the emails' `it.links.*` when they
 * are sent from elsewhere (a laptop's `send`); undefined when unset. Not http(s): a usage error.
 */
export function publicUrlFrom(env: NodeJS.ProcessEnv): string | undefined {
  const value = env.EVCRED_PUBLIC_URL?.trim();
  if (!value) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new UsageError(`EVCRED_PUBLIC_URL must be an http(s) URL, got "${value}"`, {
      hint: "where evcred serve is reached, e.g. https://login.summit.example",
    });
  }
  return value.replace(/\/+$/, "");
}

/** A whole number above 0 from the environment, undefined when unset. */
export function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${name} must be a whole number above 0, got "${value}"`);
  return n;
}

/** How a run retries transient failures: 4 attempts, backing off from EVCRED_SMTP_RETRY_MS. */
export function retryPolicy(env: NodeJS.ProcessEnv): { attempts: number; baseDelayMs: number } {
  return {
    attempts: 4,
    baseDelayMs: positiveInt(env.EVCRED_SMTP_RETRY_MS, "EVCRED_SMTP_RETRY_MS") ?? 1_000,
  };
}

/** Messages in flight through SMTP: two per pooled connection (EVCRED_SMTP_CONNECTIONS, 5). */
export function smtpConcurrency(env: NodeJS.ProcessEnv): number {
  return (positiveInt(env.EVCRED_SMTP_CONNECTIONS, "EVCRED_SMTP_CONNECTIONS") ?? 5) * 2;
}
