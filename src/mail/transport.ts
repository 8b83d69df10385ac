/**
 * Where credential emails go: an SMTP server through nodemailer's connection pool when
 * `EVCRED_SMTP_URL` is set, else `.eml` files in an outbox folder, so the whole flow works on a
 * fresh machine. Failures come back classified: transient and connection ones are worth
 * retrying, permanent ones fail one delivery, fatal ones (authentication) stop the run.
 */
import { randomUUID } from "node:crypto";
import { chmodSync, mkdirSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import nodemailer from "nodemailer";
import { errorReason, UsageError } from "../errors.js";

export interface OutgoingMessage {
  from: string;
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string | undefined;
}

export interface Accepted {
  messageId: string;
  /** The server's reply (`250 OK: queued as …`) or the file written. */
  response: string;
}

/**
 * `transient`: the server answered 4xx, worth retrying; `connection`: no answer at all (refused,
 * dropped, timed out), retried too, and if it lasts the server is gone, not the attendee at
 * fault; `permanent`: 5xx, that delivery fails; `fatal`: nothing can be sent (authentication).
 */
export type FailureKind = "transient" | "connection" | "permanent" | "fatal";

export class TransportError extends Error {
  override readonly name = "TransportError";
  readonly kind: FailureKind;
  readonly response: string;

  constructor(kind: FailureKind, response: string) {
    super(response);
    this.kind = kind;
    this.response = response;
  }
}

export interface MailTransport {
  /** Where mail goes, safe to print: never a password. */
  readonly description: string;
  readonly kind: "smtp" | "outbox";
  send(message: OutgoingMessage): Promise<Accepted>;
  /** Connects (and authenticates) without sending, or checks the outbox is writable. */
  verify(): Promise<void>;
  close(): void;
}

export interface TransportSettings {
  /** `EVCRED_SMTP_URL`; undefined means the outbox. */
  smtpUrl: string | undefined;
  /** Password asked for on a terminal when the URL has a user but none. */
  password?: string | undefined;
  outboxDir: string;
  insecureSmtp: boolean;
  /** Socket and greeting timeout; a hung server fails a send after this long. */
  timeoutMs: number;
  maxConnections: number;
}

export function createTransport(settings: TransportSettings): MailTransport {
  return settings.smtpUrl
    ? smtpTransport(settings.smtpUrl, settings)
    : outboxTransport(settings.outboxDir);
}

/** The parts of `EVCRED_SMTP_URL`, or a UsageError that shows the URL with its password hidden. */
export function parseSmtpUrl(raw: string): {
  url: URL;
  secure: boolean;
  user: string;
  password: string;
  host: string;
  port: number;
} {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badUrl(raw, "not a URL");
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:")
    throw badUrl(raw, "the scheme must be smtp:// or smtps://");
  if (!url.hostname) throw badUrl(raw, "no host");
  const secure = url.protocol === "smtps:";
  const port = url.port ? Number(url.port) : secure ? 465 : 587;
  return {
    url,
    secure,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port,
  };
}

/** The URL as it may be shown: the password replaced, however malformed the URL is. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if ((url.protocol === "smtp:" || url.protocol === "smtps:") && url.hostname) {
      if (url.password) url.password = "****";
      return url.toString().replace(/\/$/, "");
    }
  } catch {
    // Not a URL: hidden by hand below.
  }
  // Whatever lies between the first colon after the scheme and the last "@" may be a password
  // (with "/" or ":" in it); without an "@", so may what follows a colon and is not a port.
  const start = raw.includes("://") ? raw.indexOf("://") + 3 : 0;
  const colon = raw.indexOf(":", start);
  const at = raw.lastIndexOf("@");
  if (colon !== -1 && at > colon) return `${raw.slice(0, colon + 1)}****${raw.slice(at)}`;
  if (colon !== -1 && at === -1 && !/^\d*(\/.*)?$/.test(raw.slice(colon + 1)))
    return `${raw.slice(0, colon + 1)}****`;
  return raw;
}

function badUrl(raw: string, reason: string): UsageError {
  return new UsageError(`EVCRED_SMTP_URL is not valid (${reason}): ${redactUrl(raw)}`, {
    hint: "use smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465 (TLS)",
  });
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function smtpTransport(raw: string, settings: TransportSettings): MailTransport {
  const { secure, user, password, host, port } = parseSmtpUrl(raw);
  const pass = password || settings.password || "";
  // Without TLS a password crosses the network in the clear: require STARTTLS unless told not to.
  const requireTLS = !secure && Boolean(user) && !isLoopback(host) && !settings.insecureSmtp;
  const mailer = nodemailer.createTransport({
    pool: true,
    host,
    port,
    secure,
    requireTLS,
    ignoreTLS: !secure && isLoopback(host) && settings.insecureSmtp,
    auth: user ? { user, pass } : undefined,
    maxConnections: settings.maxConnections,
    maxMessages: Infinity,
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
    name: hostname(),
  });
  return {
    kind: "smtp",
    description: `${redactUrl(raw)}${requireTLS ? " (STARTTLS required)" : ""}`,
    async send(message) {
      try {
        const info = (await mailer.sendMail({ ...message, html: message.html })) as {
          messageId: string;
          response: string;
        };
        return { messageId: info.messageId, response: info.response };
      } catch (error) {
        throw classify(error);
      }
    },
    async verify() {
      try {
        await mailer.verify();
      } catch (error) {
        const failure = classify(error);
        throw new TransportError("fatal", failure.response);
      }
    },
    close() {
      mailer.close();
    },
  };
}

/** nodemailer's error → what evcred does about it. */
export function classify(error: unknown): TransportError {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const response = (e.response ?? e.message ?? String(error)).replace(/\s+/g, " ").trim();
  if (e.code === "EAUTH" || e.code === "ENOAUTH")
    return new TransportError("fatal", `authentication refused: ${response}`);
  if (e.code === "ETLS" || e.code === "ECONFIG") return new TransportError("fatal", response);
  if (typeof e.responseCode === "number") {
    if (e.responseCode >= 500) return new TransportError("permanent", response);
    if (e.responseCode >= 400) return new TransportError("transient", response);
  }
  if (/STARTTLS/i.test(response) && e.code !== "ECONNECTION")
    return new TransportError("fatal", response);
  // Dropped, refused or timed-out connections: the message may be retried.
  return new TransportError("connection", e.code ? `${e.code}: ${response}` : response);
}

function outboxTransport(dir: string): MailTransport {
  const folder = resolve(dir);
  const composer = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: "unix",
  });
  const ensureFolder = () => {
    try {
      mkdirSync(folder, { recursive: true, mode: 0o700 });
    } catch (error) {
      const code = errorReason(error);
      throw new TransportError(
        "fatal",
        code === "EEXIST" || code === "ENOTDIR"
          ? `the outbox ${folder} is a file, not a folder (EVCRED_OUTBOX)`
          : `cannot create the outbox ${folder}: ${code}`,
      );
    }
  };
  return {
    kind: "outbox",
    description: `outbox folder ${folder}`,
    async send(message) {
      ensureFolder();
      const info = (await composer.sendMail(message)) as { messageId: string; message: Buffer };
      const name = `${new Date().toISOString().replace(/[:.]/g, "-")}-${safeName(message.to.address)}-${randomUUID().slice(0, 8)}.eml`;
      const path = join(folder, name);
      const partial = `${path}.partial`;
      try {
        // Written aside and renamed: a crash never leaves half a message that looks sent.
        writeFileSync(partial, info.message, { mode: 0o600, flush: true });
        renameSync(partial, path);
      } catch (error) {
        throw new TransportError(
          "fatal",
          `cannot write to the outbox ${folder}: ${errorReason(error)}`,
        );
      }
      return { messageId: info.messageId, response: `written to ${path}` };
    },
    verify() {
      ensureFolder();
      try {
        chmodSync(folder, 0o700);
        const probe = join(folder, `.probe-${randomUUID()}`);
        writeFileSync(probe, "", { mode: 0o600 });
        unlinkSync(probe);
      } catch (error) {
        throw new TransportError(
          "fatal",
          `the outbox ${folder} is not writable: ${errorReason(error)}`,
        );
      }
      return Promise.resolve();
    },
    close() {
      composer.close();
    },
  };
}

function safeName(address: string): string {
  return address.replace(/[^a-zA-Z0-9@._+-]/g, "_").slice(0, 80);
}
