/**
 * The mail settings, parsed once from the environment into one typed object, checked without
 * connecting anywhere: a command that changes something and then sends (`reset-code --send`)
 * parses them first, so a malformed `EVCRED_SMTP_URL` is refused before the change, as any bad
 * input is (exit 2, nothing changed). Every face builds its transports from these settings with
 * `openReadyTransport`: send, resend, reset, doctor, `campaign run-due` and `serve`.
 */
import { EvcredError, UsageError } from "../errors.js";
import type { RetryPolicy } from "./runner.js";
import {
  createTransport,
  parseSmtpUrl,
  TransportError,
  type MailTransport,
  type TransportSettings,
} from "./transport.js";

export interface MailSettings {
  /** Where mail goes and how; `password` unset (see `needsPassword`). */
  transport: TransportSettings;
  /** An SMTP URL with a user and no password: the face asks for it, or refuses to send. */
  needsPassword: { user: string; host: string } | undefined;
  retry: RetryPolicy;
  /** Messages in flight through SMTP: two per pooled connection. */
  smtpConcurrency: number;
  /** Where `evcred serve` is reached (`EVCRED_PUBLIC_URL`): the base of `it.links.*`. */
  publicUrl: string | undefined;
}

/**
 * `EVCRED_SMTP_URL` (else the outbox folder, `EVCRED_OUTBOX`, made absolute by `resolvePath`),
 * timeouts, pool size and retries; a UsageError naming the variable that is wrong.
 */
export function parseMailSettings(
  env: NodeJS.ProcessEnv,
  resolvePath: (path: string) => string,
  options: { insecureSmtp: boolean },
): MailSettings {
  const smtpUrl = env.EVCRED_SMTP_URL || undefined;
  const parts = smtpUrl ? parseSmtpUrl(smtpUrl) : undefined;
  const maxConnections = positiveInt(env.EVCRED_SMTP_CONNECTIONS, "EVCRED_SMTP_CONNECTIONS") ?? 5;
  return {
    transport: {
      smtpUrl,
      outboxDir: resolvePath(env.EVCRED_OUTBOX || "outbox"),
      insecureSmtp: options.insecureSmtp,
      timeoutMs: positiveInt(env.EVCRED_SMTP_TIMEOUT_MS, "EVCRED_SMTP_TIMEOUT_MS") ?? 30_000,
      maxConnections,
    },
    needsPassword:
      parts && parts.user && !parts.password ? { user: parts.user, host: parts.host } : undefined,
    // 4 attempts, backing off from EVCRED_SMTP_RETRY_MS.
    retry: {
      attempts: 4,
      baseDelayMs: positiveInt(env.EVCRED_SMTP_RETRY_MS, "EVCRED_SMTP_RETRY_MS") ?? 1_000,
    },
    smtpConcurrency: maxConnections * 2,
    publicUrl: publicUrlFrom(env),
  };
}

/** Which transport the settings choose, known before anything is opened. */
export function transportKind(settings: MailSettings): MailTransport["kind"] {
  return settings.transport.smtpUrl ? "smtp" : "outbox";
}

/** The transport of `settings`, not yet connected; `password` when `needsPassword` asked one. */
export function openTransport(settings: MailSettings, password?: string): MailTransport {
  return createTransport({ ...settings.transport, password });
}

/** The transport, opened and proven to answer (connected, authenticated), or one clear error. */
export async function openReadyTransport(
  settings: MailSettings,
  password?: string,
): Promise<MailTransport> {
  const transport = openTransport(settings, password);
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
function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${name} must be a whole number above 0, got "${value}"`);
  return n;
}
