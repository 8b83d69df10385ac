/**
 * A real SMTP server on 127.0.0.1 that misbehaves the way real ones do, with faults drawn from a
 * seeded PRNG so that every run meets the same ones. What must hold whatever the server does:
 * nothing is marked sent that the server did not take (the Message-IDs evcred recorded are
 * exactly those the server received), nobody is mailed twice, and rerunning the same command
 * finishes the job. test/commands/send.test.ts has the single-fault cases (one drop, one hang,
 * auth refused at the start, no server at the start); these are the storms.
 */
import { createServer, type Server, type Socket } from "node:net";
import { lookAt } from "../helpers/look.js";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { groupCode } from "../../src/domain/codes.js";
import { attendeeCsv, bareMessageId } from "../helpers/faults.js";
import { seededRandom } from "../helpers/prng.js";
import { startSmtp, type FaultPlan, type TestSmtp } from "../helpers/smtp.js";
import { benchPerTest, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();
const servers: TestSmtp[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const SEND = ["send", "--template", "credentials", "--yes", "--json"];

interface Row {
  email: string;
  status: string;
  attempts: number;
  response: string | null;
  messageId: string | null;
}

interface StatsJson {
  codes: { sent: number; failed: number; pending: number };
  templates: { template: string; sent: number; failed: number; pending: number }[];
}

interface SendJson {
  sent: number;
  failed: { email: string; response: string }[];
  stoppedBy?: string;
}

async function eventOf(b: TestBench, count: number): Promise<string[]> {
  b.file("a.csv", attendeeCsv(count));
  expect((await b.run(["import", "a.csv", "--event", "storm", "--yes"])).code).toBe(0);
  expect((await b.run(["event", "update", "--from", "Storm <team@storm.example>"])).code).toBe(0);
  return Array.from({ length: count }, (_, i) => `person${i}@example.com`);
}

async function smtp(b: TestBench, plan: FaultPlan, env: NodeJS.ProcessEnv = {}) {
  const server = await startSmtp(plan);
  servers.push(server);
  Object.assign(b.env, {
    EVCRED_SMTP_URL: server.url,
    EVCRED_SMTP_RETRY_MS: "5",
    EVCRED_SMTP_TIMEOUT_MS: "1500",
    ...env,
  });
  return server;
}

async function ledger(b: TestBench): Promise<Row[]> {
  return lookAt<Row>(
    b.db,
    `SELECT a.email, d.status, d.attempts, d.response, d.message_id AS "messageId"
     FROM deliveries d JOIN attendees a ON a.id = d.attendee_id ORDER BY d.id`,
  );
}

/**
 * The ledger tells the truth: the Message-IDs marked sent are exactly those the servers
 * received, nothing is left pending, and nobody received the credentials twice.
 */
async function expectHonest(b: TestBench, ...from: TestSmtp[]): Promise<void> {
  const received = from.flatMap((s) => s.received);
  const marked = await expectNothingMarkedUnreceived(b, ...from);
  expect(marked.sort()).toEqual(received.map((m) => bareMessageId(m.parsed.messageId)).sort());
  const to = received.map((m) => m.to);
  expect(new Set(to).size, "nobody mailed twice").toBe(to.length);
}

/**
 * What holds even when the connection dies between the server taking a message and the client
 * reading its 250: every delivery marked sent was received, nothing is left pending. (Such a
 * message is received but not marked: SMTP cannot tell the client, so it goes again later.)
 */
async function expectNothingMarkedUnreceived(b: TestBench, ...from: TestSmtp[]): Promise<string[]> {
  const received = new Set(
    from.flatMap((s) => s.received).map((m) => bareMessageId(m.parsed.messageId)),
  );
  const rows = await ledger(b);
  expect(rows.filter((r) => r.status === "pending")).toEqual([]);
  const marked = rows.filter((r) => r.status === "sent").map((r) => bareMessageId(r.messageId));
  for (const id of marked) expect(received.has(id), id).toBe(true);
  return marked;
}

/** Reruns the send until it exits 0, as an organizer would; returns every exit code. */
async function sendUntilDone(b: TestBench, most: number): Promise<number[]> {
  const codes: number[] = [];
  for (let run = 0; run < most; run++) {
    const r = await b.run(SEND);
    codes.push(r.code);
    if (r.code === 0) return codes;
    expect(r.code, r.stderr).toBe(3);
  }
  return codes;
}

async function expectEveryoneOnceWithTheirCode(
  b: TestBench,
  emails: string[],
  server: TestSmtp,
): Promise<void> {
  expect(server.received.map((m) => m.to).sort()).toEqual([...emails].sort());
  for (const message of server.received) {
    expect(message.parsed.text).toContain(groupCode(await b.codeOf(message.to)));
  }
}

describe("an SMTP server under a storm of faults", () => {
  it("421 to a seeded 20% of MAIL FROM, RCPT TO and DATA: retried, recorded honestly, finished by reruns", async () => {
    const b = bench();
    const emails = await eventOf(b, 30);
    const server = await smtp(b, {
      busyShare: 0.2,
      busyCommands: ["MAIL", "RCPT", "DATA"],
      seed: 421,
    });
    const first = await b.run(SEND);
    expect([0, 3], first.stderr).toContain(first.code);
    // What did fail, failed with the server's own reply after every retry.
    for (const f of first.json<SendJson>().failed) expect(f.response).toMatch(/^421 /);
    expect(server.busyReplies()).toBeGreaterThan(5);
    await expectHonest(b, server);
    expect((await ledger(b)).some((r) => r.status === "sent" && r.attempts > 1)).toBe(true);

    expect((await sendUntilDone(b, 6)).at(-1)).toBe(0);
    await expectHonest(b, server);
    await expectEveryoneOnceWithTheirCode(b, emails, server);
  });

  it("connections dropped in the middle of DATA for a seeded 30% of attempts: nothing lost, nothing twice", async () => {
    const b = bench();
    const emails = await eventOf(b, 30);
    const drop = seededRandom(30);
    const server = await smtp(b, { dropDuring: () => drop() < 0.3 });
    const first = await b.run(SEND);
    expect([0, 3], first.stderr).toContain(first.code);
    await expectHonest(b, server);
    expect((await ledger(b)).some((r) => r.attempts > 1)).toBe(true);
    expect((await sendUntilDone(b, 6)).at(-1)).toBe(0);
    await expectHonest(b, server);
    await expectEveryoneOnceWithTheirCode(b, emails, server);
  });

  it("a server that stops answering in the middle of DATA: EVCRED_SMTP_TIMEOUT_MS ends the wait, the retry delivers", async () => {
    const b = bench();
    const emails = await eventOf(b, 12);
    const hang = seededRandom(7);
    const hung = new Set<string>();
    const server = await smtp(
      b,
      {
        hangDuring: (to, attempt) => {
          if (attempt > 1 || hang() >= 0.5) return false;
          hung.add(to);
          return true;
        },
      },
      { EVCRED_SMTP_TIMEOUT_MS: "400" },
    );
    const r = await b.run(SEND);
    expect(r.code, r.stderr).toBe(0);
    expect(hung.size).toBeGreaterThan(1);
    for (const row of await ledger(b)) {
      expect(row.status).toBe("sent");
      expect(row.attempts, row.email).toBe(hung.has(row.email) ? 2 : 1);
    }
    await expectHonest(b, server);
    await expectEveryoneOnceWithTheirCode(b, emails, server);
  });

  it("a server that accepts the connection and never greets: one clear error, nothing claimed", async () => {
    const b = bench();
    await eventOf(b, 5);
    const silent = await silentServer();
    try {
      Object.assign(b.env, {
        EVCRED_SMTP_URL: `smtp://127.0.0.1:${silent.port}`,
        EVCRED_SMTP_TIMEOUT_MS: "300",
      });
      const before = await b.snapshot();
      const r = await b.run(["send", "--template", "credentials", "--yes"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`error: cannot send through smtp://127.0.0.1:${silent.port}`);
      expect(r.stderr).toMatch(/greeting|timeout|timed out/i);
      expect(await b.snapshot()).toEqual(before);
    } finally {
      await silent.close();
    }
  });

  it("authentication refused halfway (password revoked, connections cut): one clear error, nobody marked failed", async () => {
    const b = bench();
    const emails = await eventOf(b, 40);
    const auth = { user: "organizer", pass: "right" };
    const server = await smtp(b, { auth: { ...auth }, delayMs: 20 });
    b.env.EVCRED_SMTP_URL = server.url.replace("organizer@", "organizer:right@");
    const revoke = setInterval(() => {
      if (server.received.length < 5) return;
      clearInterval(revoke);
      server.faults.auth = { user: "organizer", pass: "revoked" };
      server.dropAll();
    }, 2);
    const r = await b.run(["send", "--template", "credentials", "--yes"]);
    clearInterval(revoke);
    expect([1, 3], r.stderr).toContain(r.code);
    expect(r.stderr.match(/authentication refused/gi)).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: stopped: authentication refused/m);
    expect(r.stderr).not.toContain("right");
    expect((await ledger(b)).filter((d) => d.status === "failed")).toEqual([]);
    // Cutting the connections can lose a 250 the server had sent: such a message was received
    // but is not marked sent, and goes again. Nothing the other way round.
    const marked = await expectNothingMarkedUnreceived(b, server);
    expect(marked.length).toBeLessThan(emails.length);

    server.faults.auth = auth;
    const rerun = await b.run(SEND);
    expect(rerun.code, rerun.stderr).toBe(0);
    await expectNothingMarkedUnreceived(b, server);
    const to = server.received.map((m) => m.to);
    expect(new Set(to)).toEqual(new Set(emails));
    expect(to.length - emails.length).toBeLessThanOrEqual(10);
  });

  it("a server killed mid-run: one clear error, nobody marked failed, the rest left due; a rerun elsewhere finishes", async () => {
    const b = bench();
    const emails = await eventOf(b, 40);
    const first = await smtp(b, { delayMs: 10 });
    const killed = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (first.received.length < 8) return;
        clearInterval(poll);
        // As a killed server goes: every connection cut at once, then the port refuses.
        first.dropAll();
        void first.close().then(resolve);
      }, 2);
    });
    const r = await b.run(SEND);
    await killed;
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr.match(/^error: /gm), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^error: stopped: the mail server stopped answering \((ECONNREFUSED|ECONNECTION|ESOCKET)/m,
    );
    const summary = r.json<SendJson & { notSent: number; stillDue: number }>();
    expect(r.stderr).toContain(
      `${summary.stillDue} attendees still due credentials; rerun the same command to send the rest`,
    );
    expect(summary.failed).toEqual([]);
    // A dead server is no verdict on an attendee: nobody failed, nobody left pending.
    expect((await ledger(b)).filter((d) => d.status !== "sent")).toEqual([]);
    await expectNothingMarkedUnreceived(b, first);
    expect(summary.sent + summary.notSent).toBe(40);
    expect(summary.stillDue).toBe(summary.notSent);
    const stats = (await b.run(["stats", "--json"])).json<StatsJson>();
    expect(stats.codes).toMatchObject({ sent: summary.sent, failed: 0, pending: 0 });
    expect(stats.templates).toEqual([
      { template: "credentials", sent: summary.sent, failed: 0, pending: 0 },
    ]);

    const second = await smtp(b, {});
    const rerun = await b.run(SEND);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.json<SendJson>().sent).toBe(summary.notSent);
    await expectNothingMarkedUnreceived(b, first, second);
    const all = [...first.received, ...second.received].map((m) => m.to);
    expect(new Set(all)).toEqual(new Set(emails));
    // Twice only for a message the first server took as it died, before its 250 got out.
    expect(all.length - emails.length).toBeLessThanOrEqual(10);
    const after = (await b.run(["stats", "--json"])).json<StatsJson>();
    expect(after.templates).toEqual([{ template: "credentials", sent: 40, failed: 0, pending: 0 }]);
  });

  it("stats count each attendee's latest delivery: failures a rerun delivered are no longer failed", async () => {
    const b = bench();
    await eventOf(b, 10);
    const bounced = new Set(["person2@example.com", "person5@example.com", "person7@example.com"]);
    const server = await smtp(b, { rcpt: (to) => (bounced.has(to) ? 550 : undefined) });
    const first = await b.run(SEND);
    expect(first.code, first.stderr).toBe(3);
    const before = (await b.run(["stats", "--json"])).json<StatsJson>();
    expect(before.templates).toEqual([{ template: "credentials", sent: 7, failed: 3, pending: 0 }]);

    server.faults.rcpt = undefined; // the organizer fixed those mailboxes
    expect((await b.run(SEND)).code).toBe(0);
    const after = (await b.run(["stats", "--json"])).json<StatsJson>();
    expect(after.codes).toMatchObject({ sent: 10, failed: 0 });
    expect(after.templates).toEqual([{ template: "credentials", sent: 10, failed: 0, pending: 0 }]);
  });
});

/** A TCP server that accepts connections and never says a word. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}
