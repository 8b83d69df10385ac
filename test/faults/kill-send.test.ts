/**
 * SIGKILL at random moments of a real `evcred send` to a real SMTP server. Each round sends a
 * template of its own to the same 80 attendees, so every round starts with everyone due. After
 * every kill: `PRAGMA integrity_check` is ok, no attendee is lost, and every delivery marked sent
 * carries a Message-ID the server received. A rerun then finishes the round: everyone has the
 * round's message, only messages in flight at the kill (at most the pool's 10) went twice.
 * test/e2e/send-crash.test.ts kills once at a fixed point; this is the random campaign. On a
 * SQLite file and on PostgreSQL (there the ledger's claims are row inserts under an advisory
 * lock, and the settlements one statement a group).
 *
 * 4 kills in `npm test`; 20 with EVCRED_SOAK=1. EVCRED_FAULT_SEED replays another sequence.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  attendeeCsv,
  bareMessageId,
  integrityCheck,
  look,
  sandbox,
  SOAK,
  type Sandbox,
} from "../helpers/faults.js";
import {
  createTestDatabase,
  dropTestDatabase,
  PG_URL,
  type TestDatabase,
} from "../helpers/postgres.js";
import { between, seededRandom } from "../helpers/prng.js";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";

const ATTENDEES = 80;
const IN_FLIGHT = 10; // 5 pooled connections x 2 messages each
const KILLS = SOAK ? 20 : 4;
const SEED = Number(process.env.EVCRED_FAULT_SEED ?? 2);

const dialects = PG_URL === undefined ? ["sqlite"] : ["sqlite", "postgres"];

describe.each(dialects)("SIGKILL during send (%s)", (dialect) => {
  let box: Sandbox;
  let smtp: TestSmtp;
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    smtp = await startSmtp({ delayMs: 15 });
    const env: NodeJS.ProcessEnv = { EVCRED_SMTP_URL: smtp.url, EVCRED_SMTP_RETRY_MS: "5" };
    if (dialect === "postgres") {
      database = await createTestDatabase({ migrate: false });
      env.EVCRED_DB = database.url;
    }
    box = sandbox("kill-send", env);
    writeFileSync(join(box.dir, "a.csv"), attendeeCsv(ATTENDEES));
    expect((await box.run(["import", "a.csv", "--event", "ev", "--yes"])).code).toBe(0);
    expect((await box.run(["event", "update", "--from", "team@example.com"])).code).toBe(0);
    mkdirSync(join(box.dir, "templates"));
  });

  afterAll(async () => {
    await smtp.close();
    box.remove();
    if (database) await dropTestDatabase(database);
  });

  /** `roundN`: a text template whose subject names the round, so received mail can be told apart. */
  function roundTemplate(round: number): string {
    const name = `round${round}`;
    writeFileSync(
      join(box.dir, "templates", `${name}.eta`),
      `---\nsubject: ${name}: your access code\n---\nEmail: <%= it.user_email %>\nCode: <%= it.user_pass %>\n`,
    );
    return name;
  }

  function receivedIn(name: string): Map<string, number> {
    const counts = new Map<string, number>();
    for (const m of smtp.received) {
      if (m.parsed.subject?.startsWith(`${name}:`)) counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
    }
    return counts;
  }

  async function expectNothingSentUnreceived(where: string): Promise<void> {
    const received = new Set(smtp.received.map((m) => bareMessageId(m.parsed.messageId)));
    const sent = await look<{ id: string | null }>(
      box,
      "SELECT message_id AS id FROM deliveries WHERE status = 'sent'",
    );
    for (const { id } of sent)
      expect(received.has(bareMessageId(id)), `${where}: ${id}`).toBe(true);
  }

  it(`${KILLS} kills at seeded random moments: sound database, nothing marked sent unreceived, reruns finish`, async () => {
    const random = seededRandom(SEED);
    let bound = 1_500; // ms; raised to the slowest complete send seen
    let killed = 0;
    for (let round = 0; round < KILLS; round++) {
      const name = roundTemplate(round);
      const delay = between(random, 0, bound);
      const where = `round ${round}, killed after ${delay} ms`;
      const run = box.start(["send", "--template", name, "--yes"]);
      const timer = setTimeout(() => run.child.kill("SIGKILL"), delay);
      const result = await run.done;
      clearTimeout(timer);
      if (result.signal === "SIGKILL") killed++;
      else expect(result.code, `${where}: ${result.stderr}`).toBe(0);

      if (dialect === "sqlite") expect(integrityCheck(box.db), where).toBe("ok");
      const people = await look(box, "SELECT count(*) AS n FROM attendees");
      expect(people, where).toEqual([{ n: ATTENDEES }]);
      await expectNothingSentUnreceived(where);

      const started = performance.now();
      const rerun = await box.run(["send", "--template", name, "--yes", "--json"]);
      expect(rerun.code, `${where}: ${rerun.stderr}`).toBe(0);
      bound = Math.max(bound, Math.ceil((performance.now() - started) * 1.2));
      await expectNothingSentUnreceived(where);

      const counts = receivedIn(name);
      expect(counts.size, where).toBe(ATTENDEES);
      const twice = [...counts.values()].filter((n) => n > 1).length;
      expect(twice, where).toBeLessThanOrEqual(IN_FLIGHT);
      expect(Math.max(...counts.values()), where).toBeLessThanOrEqual(2);
      const due = await look(
        box,
        `SELECT count(*) AS n FROM attendees a WHERE NOT EXISTS (SELECT 1 FROM deliveries d
         WHERE d.attendee_id = a.id AND d.template = ? AND d.status = 'sent')`,
        [name],
      );
      expect(due, where).toEqual([{ n: 0 }]);
    }
    expect(killed, "at least one run was really killed").toBeGreaterThan(0);
    const again = await box.run(["send", "--template", "round0", "--yes", "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ sent: 0 });
  }, 600_000);
});
