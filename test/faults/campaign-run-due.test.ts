/**
 * `campaign run-due` as cron starts it: real processes, a real SMTP server. Two started
 * together run each campaign once and mail each attendee once; one SIGKILLed in the middle of
 * a campaign is resumed by the next, which sends only what was not sent (and at most what was
 * in flight at the kill again). Both on a SQLite file and on PostgreSQL, where the campaign's
 * take and the ledger's claims are held by the server's locks across machines.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import {
  attendeeCsv,
  bareMessageId,
  integrityCheck,
  look,
  sandbox,
  type Sandbox,
} from "../helpers/faults.js";
import {
  createTestDatabase,
  dropTestDatabase,
  PG_URL,
  type TestDatabase,
} from "../helpers/postgres.js";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";

const IN_FLIGHT = 10; // 5 pooled connections x 2 messages each

type Dialect = "sqlite" | "postgres";

let box: Sandbox | undefined;
let smtp: TestSmtp | undefined;
let database: TestDatabase | undefined;
afterEach(async () => {
  await smtp?.close();
  box?.remove();
  if (database) await dropTestDatabase(database);
  smtp = undefined;
  box = undefined;
  database = undefined;
});

/** A workspace with `count` attendees and campaigns at ISO times `leadMs` from now. */
async function prepared(
  dialect: Dialect,
  s: TestSmtp,
  count: number,
  campaigns: number,
  leadMs: number,
) {
  const env: NodeJS.ProcessEnv = { EVCRED_SMTP_URL: s.url, EVCRED_SMTP_RETRY_MS: "5" };
  if (dialect === "postgres") {
    database = await createTestDatabase({ migrate: false });
    env.EVCRED_DB = database.url;
  }
  const b = sandbox("campaign", env);
  box = b;
  writeFileSync(join(b.dir, "a.csv"), attendeeCsv(count));
  expect((await b.run(["import", "a.csv", "--event", "ev", "--yes"])).code).toBe(0);
  expect((await b.run(["event", "update", "--from", "team@example.com"])).code).toBe(0);
  const at = new Date(Date.now() + leadMs).toISOString();
  for (let i = 0; i < campaigns; i++) {
    const r = await b.run(["campaign", "add", "--template", "reminder", "--at", at]);
    expect(r.code, r.stderr).toBe(0);
  }
  await sleep(Math.max(0, Date.parse(at) - Date.now()) + 50);
  return b;
}

function perRecipient(s: TestSmtp): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of s.received) counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
  return counts;
}

async function sentMessageIds(b: Sandbox): Promise<string[]> {
  const rows = await look<{ id: string | null }>(
    b,
    "SELECT message_id AS id FROM deliveries WHERE status = 'sent'",
  );
  return rows.map((r) => bareMessageId(r.id));
}

async function expectNothingSentUnreceived(b: Sandbox, s: TestSmtp): Promise<void> {
  const received = new Set(s.received.map((m) => bareMessageId(m.parsed.messageId)));
  for (const id of await sentMessageIds(b)) expect(received.has(id), id).toBe(true);
}

const dialects: Dialect[] = PG_URL === undefined ? ["sqlite"] : ["sqlite", "postgres"];

describe.each(dialects)("campaign run-due, real processes (%s)", (dialect) => {
  it("two run-dues started together run each campaign once and mail each attendee once", async () => {
    smtp = await startSmtp({ delayMs: 5 });
    const b = await prepared(dialect, smtp, 40, 2, 3_000);
    const [one, two] = await Promise.all([
      b.start(["campaign", "run-due", "--json"]).done,
      b.start(["campaign", "run-due", "--json"]).done,
    ]);
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    const ran = [one, two].flatMap(
      (r) => (JSON.parse(r.stdout) as { campaigns: { id: number }[] }).campaigns,
    );
    expect(ran.map((c) => c.id).sort()).toEqual([1, 2]);
    // Two campaigns of the same template: each attendee has exactly one message of each.
    const counts = perRecipient(smtp);
    expect(counts.size).toBe(40);
    expect([...new Set(counts.values())]).toEqual([2]);
    await expectNothingSentUnreceived(b, smtp);
    // And one of each campaign, not two of one: every message received is one sent delivery,
    // each campaign has one sent delivery per attendee, and no message came twice.
    const received = smtp.received.map((m) => bareMessageId(m.parsed.messageId));
    expect(new Set(received).size).toBe(80);
    expect(new Set(await sentMessageIds(b))).toEqual(new Set(received));
    const perCampaign = await look(
      b,
      `SELECT campaign_id AS id, count(*) AS sent, count(DISTINCT attendee_id) AS attendees
       FROM deliveries WHERE status = 'sent' GROUP BY campaign_id ORDER BY campaign_id`,
    );
    expect(perCampaign).toEqual([
      { id: 1, sent: 40, attendees: 40 },
      { id: 2, sent: 40, attendees: 40 },
    ]);
    const runs = await look(b, "SELECT count(*) AS n FROM audit_log WHERE action = 'campaign.run'");
    expect(runs).toEqual([{ n: 2 }]);
    const again = await b.run(["campaign", "run-due", "--json"]);
    expect(JSON.parse(again.stdout)).toEqual({ campaigns: [] });
  }, 60_000);

  it("SIGKILL in the middle of a campaign: the next run-due resumes it, nobody lost", async () => {
    smtp = await startSmtp({ delayMs: 15 });
    const s = smtp;
    const b = await prepared(dialect, s, 80, 1, 2_500);
    const run = b.start(["campaign", "run-due"]);
    while (s.received.length < 20) await sleep(5);
    run.child.kill("SIGKILL");
    expect((await run.done).signal).toBe("SIGKILL");
    if (dialect === "sqlite") expect(integrityCheck(b.db)).toBe("ok");
    await expectNothingSentUnreceived(b, s);
    const before = s.received.length;
    expect(before).toBeLessThan(80);
    expect(await look(b, "SELECT status FROM campaigns")).toEqual([{ status: "running" }]);

    // The killed run's claim is recognised as dead at once (its pid is gone on this host).
    const rerun = await b.run(["campaign", "run-due", "--json"]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ campaigns: [{ id: 1, outcome: "done" }] });
    await expectNothingSentUnreceived(b, s);
    const counts = perRecipient(s);
    expect(counts.size).toBe(80);
    const twice = [...counts.values()].filter((n) => n > 1).length;
    expect(twice).toBeLessThanOrEqual(IN_FLIGHT);
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
    const list = await b.run(["campaign", "list", "--json"]);
    expect(JSON.parse(list.stdout)).toMatchObject([{ status: "done", sent: 80, failed: 0 }]);
  }, 60_000);
});
