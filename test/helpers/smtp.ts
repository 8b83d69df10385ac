/**
 * A real SMTP server on 127.0.0.1 for the tests (the `smtp-server` package), with switches for
 * the faults reality brings: 4xx bursts, 5xx recipients, dropped connections, a server that
 * hangs, refused authentication. Received messages are parsed with mailparser.
 */
import { simpleParser, type ParsedMail } from "mailparser";
import type { AddressInfo, Socket } from "node:net";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";
import { seededRandom } from "./prng.js";

export interface Received {
  to: string;
  parsed: ParsedMail;
  raw: string;
}

export interface FaultPlan {
  /** SMTP reply code for RCPT TO of this address, e.g. 550 (permanent) or 450 (transient). */
  rcpt?: (address: string, attempt: number) => number | undefined;
  /** Reply 421 (and close the connection) to a share (0..1) of the `busyCommands`. */
  busyShare?: number;
  /** Which commands `busyShare` applies to: MAIL FROM only unless told. */
  busyCommands?: readonly ("MAIL" | "RCPT" | "DATA")[];
  /**
   * Draw `busyShare` from a PRNG seeded with this instead of Math.random: the same sequence of
   * refusals every run (which message meets which draw still depends on the order of commands).
   */
  seed?: number;
  /** Close the socket in the middle of DATA for this recipient, on this attempt (1-based). */
  dropDuring?: (address: string, attempt: number) => boolean;
  /** Never answer DATA for this recipient, on this attempt. */
  hangDuring?: (address: string, attempt: number) => boolean;
  /** Hold every accepted message this long before answering 250. */
  delayMs?: number;
  /** Require AUTH with these credentials; anything else is refused with 535. */
  auth?: { user: string; pass: string };
}

export interface TestSmtp {
  port: number;
  /** `smtp://127.0.0.1:PORT` (with the user when the plan requires auth). */
  url: string;
  received: Received[];
  /** Recipients whose DATA the server began to read, in order (finished or not). */
  dataStarted: string[];
  /** How many 421 replies `busyShare` gave. */
  busyReplies: () => number;
  /** How many RCPT TO each address got: attempts, successful or not. */
  attempts: Map<string, number>;
  faults: FaultPlan;
  /** Cuts every open connection at once, as a server restart would. */
  dropAll(): void;
  close(): Promise<void>;
}

/** `host`: the address to listen on (127.0.0.1 unless a test needs a non-loopback one). */
export async function startSmtp(faults: FaultPlan = {}, host = "127.0.0.1"): Promise<TestSmtp> {
  const received: Received[] = [];
  const dataStarted: string[] = [];
  const attempts = new Map<string, number>();
  const draw = faults.seed === undefined ? Math.random : seededRandom(faults.seed);
  let busyReplies = 0;
  const busy = (command: "MAIL" | "RCPT" | "DATA"): Error | undefined => {
    if (!faults.busyShare || !(faults.busyCommands ?? ["MAIL"]).includes(command)) return;
    if (draw() >= faults.busyShare) return;
    busyReplies++;
    return Object.assign(new Error("4.3.2 Try again later"), { responseCode: 421 });
  };
  const sockets = new Set<Socket>();
  const plan = faults;
  const server = new SMTPServer({
    secure: false,
    authOptional: plan.auth === undefined,
    allowInsecureAuth: true,
    disabledCommands: plan.auth ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
    logger: false,
    disableReverseLookup: true,
    onAuth(auth, _session, callback) {
      if (plan.auth && auth.username === plan.auth.user && auth.password === plan.auth.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(
          Object.assign(new Error("5.7.8 Authentication credentials invalid"), {
            responseCode: 535,
          }),
        );
      }
    },
    onMailFrom(_address, _session, callback) {
      callback(busy("MAIL"));
    },
    onRcptTo(address, _session, callback) {
      const to = address.address.toLowerCase();
      const n = (attempts.get(to) ?? 0) + 1;
      attempts.set(to, n);
      const refusal = busy("RCPT");
      if (refusal) {
        callback(refusal);
        return;
      }
      const code = plan.rcpt?.(to, n);
      if (code) {
        callback(
          Object.assign(new Error(code >= 500 ? "5.1.1 No such user" : "4.2.0 Mailbox busy"), {
            responseCode: code,
          }),
        );
        return;
      }
      callback();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const to = (session.envelope.rcptTo[0]?.address ?? "").toLowerCase();
      const n = attempts.get(to) ?? 1;
      dataStarted.push(to);
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        if (plan.dropDuring?.(to, n)) {
          destroySession(session, sockets);
          return;
        }
        if (plan.hangDuring?.(to, n)) return; // never answer
        const refusal = busy("DATA");
        if (refusal) {
          callback(refusal);
          return;
        }
        const raw = Buffer.concat(chunks).toString("utf8");
        simpleParser(raw)
          .then(async (parsed) => {
            if (plan.delayMs) await new Promise((resolve) => setTimeout(resolve, plan.delayMs));
            received.push({ to, parsed, raw });
            callback(null, "2.0.0 Ok: queued");
          })
          .catch((error: unknown) => {
            callback(error as Error);
          });
      });
    },
  });
  server.on("error", () => undefined);
  (server as unknown as { server: { on(e: string, f: (s: Socket) => void): void } }).server.on(
    "connection",
    (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
  const user = plan.auth ? `${encodeURIComponent(plan.auth.user)}@` : "";
  return {
    port,
    url: `smtp://${user}${host.includes(":") ? `[${host}]` : host}:${port}`,
    received,
    dataStarted,
    busyReplies: () => busyReplies,
    attempts,
    faults: plan,
    dropAll: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** Drops the TCP connection of a session: the client sees it vanish mid-transaction. */
function destroySession(session: SMTPServerSession, sockets: Set<Socket>): void {
  for (const s of sockets) {
    if (s.remotePort === session.remotePort) s.destroy();
  }
}
