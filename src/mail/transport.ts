/**
 * Where credential emails go: an SMTP server through nodemailer's connection pool when
 * `EVCRED_SMTP_URL` is set, else `.eml` files in an outbox folder, so the whole flow works on a
 * fresh machine. Failures come back classified: transient and connection ones are worth
 * retrying, permanent ones fail one delivery, fatal ones (authentication) stop the run.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
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

export interface SmtpUrlParts {
  secure: boolean;
  user: string;
  password: string;
  host: string;
  port: number;
}

/**
 * The parts of `EVCRED_SMTP_URL`, or a UsageError that shows no more of it than the scheme and
 * the user. A password with an unencoded `/`, `?` or `#` makes a URL parser see a path (and a
 * password of digits a port): `smtp://relay:2024/Summer!@smtp.example.com:587` parses as the host
 * `relay` — so a URL with a path is refused, never trusted or printed.
 */
export function parseSmtpUrl(raw: string): SmtpUrlParts {
  const scheme = /^(smtps?):\/\//i.exec(raw)?.[1]?.toLowerCase();
  if (!scheme) throw badUrl(raw, "the scheme must be smtp:// or smtps://");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badUrl(raw, "not a URL");
  }
  if (!url.hostname) throw badUrl(raw, "no host");
  if ((url.pathname !== "" && url.pathname !== "/") || url.search || url.hash || /[?#]$/.test(raw))
    throw badUrl(
      raw,
      "a path after the host; write a / ? or # in the user or password as %2F %3F %23",
    );
  let user: string;
  let password: string;
  try {
    user = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    throw badUrl(raw, "a bad % escape in the user or password; write a % itself as %25");
  }
  if (looksLikeHost(user) && /^\d{1,5}$/.test(password))
    throw badUrl(
      raw,
      "the user and password look like a host and port; write a : in the password as %3A",
    );
  const secure = scheme === "smtps";
  return {
    secure,
    user,
    password,
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
  };
}

/** The URL as it may be shown, rebuilt from its parts: scheme, user, host and port, no password. */
export function describeSmtpUrl(parts: SmtpUrlParts): string {
  const user = parts.user ? `${encodeURIComponent(parts.user)}@` : "";
  const host = parts.host.includes(":") ? `[${parts.host}]` : parts.host;
  return `${parts.secure ? "smtps" : "smtp"}://${user}${host}:${parts.port}`;
}

/**
 * What an error may show of a URL that did not parse: the scheme and, when there is an `@`, the
 * plain word before the first `:` or `@` (the user). Nothing after it: a password, a host that is
 * really part of a password.
 */
function shownPrefix(raw: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw);
  if (!scheme) return "…";
  const rest = raw.slice(scheme[0].length);
  const user = rest.includes("@") ? (/^[\w.+-]+(?=[:@])/.exec(rest)?.[0] ?? "") : "";
  return `${scheme[0]}${user ? `${user}@` : ""}…`;
}

function looksLikeHost(text: string): boolean {
  return text === "localhost" || /^[\w-]+(\.[\w-]+)+$/.test(text) || /^\[.*\]$/.test(text);
}

function badUrl(raw: string, reason: string): UsageError {
  return new UsageError(`EVCRED_SMTP_URL is not valid (${reason}): ${shownPrefix(raw)}`, {
    hint: "use smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465 (TLS), with : / ? # @ % in the password written %3A %2F %3F %23 %40 %25",
  });
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function smtpTransport(raw: string, settings: TransportSettings): MailTransport {
  const parts = parseSmtpUrl(raw);
  const { secure, user, password, host, port } = parts;
  const pass = password || settings.password || "";
  // Without TLS a password, and every credential email, crosses the network in the clear:
  // to anything but this machine STARTTLS is required, user or not, unless told otherwise.
  const requireTLS = !secure && !isLoopback(host) && !settings.insecureSmtp;
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
    description: `${describeSmtpUrl(parts)}${requireTLS ? " (STARTTLS required)" : ""}`,
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
  if (e.code === "ETLS")
    return new TransportError("fatal", `no TLS (STARTTLS required): ${response}`);
  if (e.code === "ECONFIG") return new TransportError("fatal", response);
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
  let checked = false;
  // A folder evcred creates is 0700. One that was there keeps its mode (`EVCRED_OUTBOX=/tmp`
  // must not change /tmp), and is refused if others may look in: file names carry emails, and
  // a message is a code.
  const ensureFolder = () => {
    if (checked) return;
    let stats;
    try {
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      stats = statSync(folder);
    } catch (error) {
      const code = errorReason(error);
      throw new TransportError(
        "fatal",
        code === "EEXIST" || code === "ENOTDIR"
          ? `the outbox ${folder} is a file, not a folder (EVCRED_OUTBOX)`
          : `cannot create the outbox ${folder}: ${code}`,
      );
    }
    if (!stats.isDirectory())
      throw new TransportError(
        "fatal",
        `the outbox ${folder} is a file, not a folder (EVCRED_OUTBOX)`,
      );
    if ((stats.mode & 0o077) !== 0)
      throw new TransportError(
        "fatal",
        `the outbox ${folder} is open to other users (mode ${(stats.mode & 0o7777).toString(8).padStart(4, "0")}): make it private with chmod 700, or set EVCRED_OUTBOX to a folder of your own`,
      );
    removeStalePartials(folder);
    checked = true;
  };
  return {
    kind: "outbox",
    description: `outbox folder ${folder}`,
    async send(message) {
      ensureFolder();
      const info = (await composer.sendMail(message)) as { messageId: string; message: Buffer };
      const name = `${new Date().toISOString().replace(/[:.]/g, "-")}-${safeName(message.to.address)}-${randomUUID().slice(0, 8)}.eml`;
      const path = join(folder, name);
      // Named after this process: a later run knows a partial whose writer is gone (kill -9).
      const partial = partialName(path);
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

const PARTIAL = ".partial";
/** A partial from another machine (a shared folder) is judged by its age: its pid means nothing here. */
const FOREIGN_PARTIAL_MS = 60 * 60 * 1000;

/** `NAME.eml.<host>-<pid>.partial`: who is writing it. */
function partialName(path: string): string {
  return `${path}.${hostTag()}-${process.pid}${PARTIAL}`;
}

/**
 * A message is written as a partial and renamed: one left behind was written by a process
 * killed before its rename, and holds a whole message — a code. Removed unless its writer is
 * still running (another send at work in the same folder).
 */
function removeStalePartials(folder: string): void {
  for (const name of readdirSync(folder)) {
    if (!name.endsWith(PARTIAL)) continue;
    const path = join(folder, name);
    const writer = /\.([\w-]+)-(\d+)\.partial$/.exec(name);
    const pid = Number(writer?.[2]);
    if (writer?.[1] === hostTag()) {
      if (pid !== process.pid && isRunning(pid)) continue;
    } else if (writer) {
      try {
        if (Date.now() - statSync(path).mtimeMs < FOREIGN_PARTIAL_MS) continue;
      } catch {
        continue;
      }
    }
    try {
      unlinkSync(path);
    } catch {
      // another run removed it first
    }
  }
}

function hostTag(): string {
  return (
    hostname()
      .replace(/[^A-Za-z0-9-]/g, "_")
      .slice(0, 40) || "host"
  );
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorReason(error) === "EPERM"; // alive, someone else's
  }
}

function safeName(address: string): string {
  return address.replace(/[^a-zA-Z0-9@._+-]/g, "_").slice(0, 80);
}
