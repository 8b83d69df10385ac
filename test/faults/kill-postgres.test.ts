/**
 * SIGKILL at random moments of a real `evcred import` and a real `evcred send` on a PostgreSQL
 * workspace: the same guarantees kill-import and kill-send prove on SQLite, where they rest on
 * the other dialect's transactions (the import's sequence-reserved ids bound into sealed codes,
 * the ledger's row locks and group-committed settlements).
 *
 * Import: each round a fresh database, so the kill can land in the migration, the key's
 * creation, hashing or a batch's commit. After it: whole batches only, a rerun imports the rest,
 * and every attendee committed before the kill keeps the very code it had, which opens, matches
 * its hash and its fingerprint.
 * Send: each round a template of its own to the same attendees. After the kill no attendee is
 * lost and every delivery marked sent carries a Message-ID the SMTP server received; a rerun
 * finishes the round, and only messages in flight at the kill went twice.
 *
 * Key rotate: after each kill the next command finds one whole key, under which every code is
 * the one the attendee was given.
 *
 * 3 kills each in `npm test`; 15 with EVCRED_SOAK=1. EVCRED_FAULT_SEED replays another sequence.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openWorkspace } from "../../src/store/workspace.js";
import { codeOwner } from "../../src/vault/vault.js";
import { attendeeCsv, bareMessageId, sandbox, SOAK, type Sandbox } from "../helpers/faults.js";
import {
  createTestDatabase,
  describePostgres,
  dropTestDatabase,
  useTestDatabase,
} from "../helpers/postgres.js";
import { between, seededRandom } from "../helpers/prng.js";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";

const KILLS = SOAK ? 15 : 3;
const SEED = Number(process.env.EVCRED_FAULT_SEED ?? 3);

interface Committed {
  email: string;
  hash: string;
  sealed: Buffer;
  fingerprint: Buffer;
  version: number;
}

async function committed(pool: pg.Pool): Promise<Map<string, Committed>> {
  const table = await pool.query("SELECT to_regclass('public.attendees') AS t");
  if ((table.rows[0] as { t: string | null }).t === null) return new Map();
  const rows = await pool.query<Committed>(
    `SELECT email, code_hash AS hash, code_sealed AS sealed, code_fingerprint AS fingerprint,
            code_version AS version FROM attendees`,
  );
  return new Map(rows.rows.map((r) => [r.email, r]));
}

describePostgres("SIGKILL during import on PostgreSQL", () => {
  const ROWS = 1_200; // two batches: 1,000 and 200

  it(`${KILLS} kills at seeded random moments: whole batches, no code ever changes, a rerun finishes`, async () => {
    const random = seededRandom(SEED);
    const csv = attendeeCsv(ROWS);
    let bound = 2_000; // ms; raised to the slowest complete import seen
    let killed = 0;
    for (let round = 0; round < KILLS; round++) {
      const database = await createTestDatabase({ migrate: false });
      const box = sandbox("kill-import-pg", { EVCRED_DB: database.url });
      try {
        writeFileSync(join(box.dir, "a.csv"), csv);
        const delay = between(random, 0, bound);
        const where = `round ${round}, killed after ${delay} ms`;
        const run = box.start(["import", "a.csv", "--event", "ev", "--yes"]);
        const timer = setTimeout(() => run.child.kill("SIGKILL"), delay);
        const result = await run.done;
        clearTimeout(timer);
        if (result.signal === "SIGKILL") killed++;
        else expect(result.code, `${where}: ${result.stderr}`).toBe(0);

        const before = await committed(database.pool);
        expect([0, 1_000, ROWS], where).toContain(before.size);
        const keyFile = box.env.EVCRED_KEY_FILE ?? "";
        if (existsSync(keyFile)) {
          expect(readFileSync(keyFile, "utf8"), where).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
        }

        const started = performance.now();
        const rerun = await box.run(["import", "a.csv", "--event", "ev", "--yes", "--json"]);
        expect(rerun.code, `${where}: ${rerun.stderr}`).toBe(0);
        if (before.size === 0) bound = Math.max(bound, Math.ceil(performance.now() - started));
        expect((JSON.parse(rerun.stdout) as { new: number }).new, where).toBe(ROWS - before.size);

        const after = await committed(database.pool);
        expect(after.size, where).toBe(ROWS);
        for (const [email, row] of before) {
          const now = after.get(email);
          expect(now?.hash, `${where}: ${email}`).toBe(row.hash);
          expect(now?.sealed.equals(row.sealed), `${where}: ${email}`).toBe(true);
          expect(now?.fingerprint.equals(row.fingerprint), `${where}: ${email}`).toBe(true);
          expect(now?.version, `${where}: ${email}`).toBe(1);
        }
        await expectConsistentCodes(database.pool, database.url, keyFile, random, where);
      } finally {
        box.remove();
        await dropTestDatabase(database);
      }
    }
    expect(killed, "at least one run was really killed").toBeGreaterThan(0);
  }, 600_000);
});

/** A few attendees at random: the sealed code opens, matches the hash and the fingerprint. */
async function expectConsistentCodes(
  pool: pg.Pool,
  url: string,
  keyFile: string,
  random: () => number,
  where: string,
): Promise<void> {
  const rows = (
    await pool.query<{
      id: number;
      eventId: number;
      email: string;
      hash: string;
      sealed: Buffer;
      fingerprint: Buffer;
    }>(
      `SELECT id, event_id AS "eventId", email, code_hash AS hash, code_sealed AS sealed,
              code_fingerprint AS fingerprint FROM attendees`,
    )
  ).rows;
  const ws = await openWorkspace({ path: url, keyPath: keyFile });
  try {
    const vault = await ws.vault();
    for (let i = 0; i < 5; i++) {
      const row = rows[between(random, 0, rows.length - 1)];
      if (!row) continue;
      const code = vault.open(row.sealed, codeOwner(row));
      expect(await vault.verifyCode(row.hash, code, codeOwner(row)), where).toBe("ok");
      expect(vault.fingerprint(row.eventId, code).equals(row.fingerprint), where).toBe(true);
    }
  } finally {
    await ws.close();
  }
  const distinct = await pool.query<{ n: string; all: string }>(
    `SELECT count(DISTINCT code_fingerprint) AS n, count(*) AS "all" FROM attendees`,
  );
  expect(distinct.rows[0]?.n, where).toBe(distinct.rows[0]?.all);
}

describePostgres("SIGKILL during send on PostgreSQL", () => {
  const ATTENDEES = 80;
  const IN_FLIGHT = 10; // 5 pooled connections x 2 messages each
  const database = useTestDatabase({ migrate: false });
  let box: Sandbox;
  let smtp: TestSmtp;

  beforeAll(async () => {
    smtp = await startSmtp({ delayMs: 15 });
    box = sandbox("kill-send-pg", {
      EVCRED_DB: database.url,
      EVCRED_SMTP_URL: smtp.url,
      EVCRED_SMTP_RETRY_MS: "5",
    });
    writeFileSync(join(box.dir, "a.csv"), attendeeCsv(ATTENDEES));
    expect((await box.run(["import", "a.csv", "--event", "ev", "--yes"])).code).toBe(0);
    expect((await box.run(["event", "update", "--from", "team@example.com"])).code).toBe(0);
    mkdirSync(join(box.dir, "templates"));
  });

  afterAll(async () => {
    await smtp.close();
    box.remove();
  });

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
    const sent = await database.pool.query<{ id: string | null }>(
      "SELECT message_id AS id FROM deliveries WHERE status = 'sent'",
    );
    for (const { id } of sent.rows)
      expect(received.has(bareMessageId(id)), `${where}: ${id}`).toBe(true);
  }

  it(`${KILLS} kills at seeded random moments: nothing marked sent unreceived, reruns finish`, async () => {
    const random = seededRandom(SEED + 1);
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

      const people = await database.pool.query("SELECT count(*)::int AS n FROM attendees");
      expect(people.rows[0], where).toEqual({ n: ATTENDEES });
      await expectNothingSentUnreceived(where);

      const started = performance.now();
      // The dead process's claims stay behind (SIGKILL releases nothing); the rerun, on the same
      // host, sees their owner is gone and closes them as failed, then sends the rest.
      const rerun = await box.run(["send", "--template", name, "--yes", "--json"], {
        timeoutMs: 120_000,
      });
      expect(rerun.code, `${where}: ${rerun.stderr}`).toBe(0);
      bound = Math.max(bound, Math.ceil((performance.now() - started) * 1.2));
      await expectNothingSentUnreceived(where);

      const counts = receivedIn(name);
      expect(counts.size, where).toBe(ATTENDEES);
      const twice = [...counts.values()].filter((n) => n > 1).length;
      expect(twice, where).toBeLessThanOrEqual(IN_FLIGHT);
      expect(Math.max(...counts.values()), where).toBeLessThanOrEqual(2);
      const due = await database.pool.query(
        `SELECT count(*)::int AS n FROM attendees a WHERE NOT EXISTS (SELECT 1 FROM deliveries d
         WHERE d.attendee_id = a.id AND d.template = $1 AND d.status = 'sent')`,
        [name],
      );
      expect(due.rows[0], where).toEqual({ n: 0 });
    }
    expect(killed, "at least one run was really killed").toBeGreaterThan(0);
    const again = await box.run(["send", "--template", "round0", "--yes", "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ sent: 0 });
  }, 600_000);
});

/** Every attendee's code, opened with the key file as it is now: email → code. */
async function allCodes(url: string, pool: pg.Pool, keyFile: string): Promise<Map<string, string>> {
  const rows = (
    await pool.query<{ id: number; eventId: number; email: string; sealed: Buffer }>(
      `SELECT id, event_id AS "eventId", email, code_sealed AS sealed FROM attendees ORDER BY id`,
    )
  ).rows;
  const ws = await openWorkspace({ path: url, keyPath: keyFile });
  try {
    const vault = await ws.vault();
    return new Map(rows.map((row) => [row.email, vault.open(row.sealed, codeOwner(row))]));
  } finally {
    await ws.close();
  }
}

describePostgres("SIGKILL during key rotate on PostgreSQL", () => {
  const database = useTestDatabase({ migrate: false });

  it(`${KILLS} kills at seeded random moments: the next command always finds one whole key`, async () => {
    const box = sandbox("kill-rotate-pg", { EVCRED_DB: database.url });
    try {
      writeFileSync(join(box.dir, "a.csv"), attendeeCsv(1_000));
      expect((await box.run(["import", "a.csv", "--event", "ev", "--yes"])).code).toBe(0);
      const keyFile = box.env.EVCRED_KEY_FILE ?? "";
      const codes = await allCodes(database.url, database.pool, keyFile);
      const started = performance.now();
      expect((await box.run(["key", "rotate", "--yes"])).code).toBe(0);
      const bound = Math.ceil(performance.now() - started);
      const random = seededRandom(SEED + 2);
      let killed = 0;
      for (let round = 0; round < KILLS; round++) {
        const delay = between(random, 0, bound);
        const where = `round ${round}, killed after ${delay} ms`;
        const run = box.start(["key", "rotate", "--yes"]);
        const timer = setTimeout(() => run.child.kill("SIGKILL"), delay);
        const result = await run.done;
        clearTimeout(timer);
        if (result.signal === "SIGKILL") killed++;
        else expect(result.code, `${where}: ${result.stderr}`).toBe(0);
        // The next command finishes or undoes what the kill left, and finds the key recorded.
        const show = await box.run(["key", "show", "--json"]);
        expect(show.code, `${where}: ${show.stderr}`).toBe(0);
        const recorded = await database.pool.query<{ value: string }>(
          "SELECT value FROM meta WHERE key = 'key_id'",
        );
        expect((JSON.parse(show.stdout) as { keyId: string }).keyId, where).toBe(
          recorded.rows[0]?.value,
        );
        expect(await allCodes(database.url, database.pool, keyFile), where).toEqual(codes);
      }
      expect(killed, "at least one run was really killed").toBeGreaterThan(0);
    } finally {
      box.remove();
    }
  }, 300_000);
});
