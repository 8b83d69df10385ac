/**
 * SIGKILL at random moments of a real `evcred import` (a fresh workspace each time, so the kill
 * can land in start-up, workspace and key creation or migration, the scan, hashing, or a batch's
 * commit). After every kill: the database holds whole batches only (and a SQLite file passes
 * `PRAGMA integrity_check`), and the key file, if there is one, is whole. On a SQLite file and
 * on PostgreSQL, where the ids bound into the sealed codes come from the table's sequence. A rerun then imports every row of the file, and each
 * attendee committed before the kill keeps the very code it had.
 *
 * 4 kills in `npm test`; 20 with EVCRED_SOAK=1. EVCRED_FAULT_SEED replays another sequence.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openWorkspace } from "../../src/store/workspace.js";
import { codeOwner } from "../../src/vault/vault.js";
import {
  attendeeCsv,
  integrityCheck,
  look,
  sandbox,
  SOAK,
  type Sandbox,
} from "../helpers/faults.js";
import { createTestDatabase, dropTestDatabase, PG_URL } from "../helpers/postgres.js";
import { between, seededRandom } from "../helpers/prng.js";

const ROWS = 1_200; // two batches: 1,000 and 200
const KILLS = SOAK ? 20 : 4;
const SEED = Number(process.env.EVCRED_FAULT_SEED ?? 1);

interface Committed {
  email: string;
  hash: string;
  sealed: Buffer;
  fingerprint: Buffer;
  version: number;
}

type Dialect = "sqlite" | "postgres";

async function committed(box: Sandbox, dialect: Dialect): Promise<Map<string, Committed>> {
  if (dialect === "sqlite" && (!existsSync(box.db) || statSync(box.db).size === 0)) {
    return new Map();
  }
  const [tables] = await look<{ n: number }>(
    box,
    dialect === "sqlite"
      ? "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'attendees'"
      : "SELECT count(*) AS n FROM pg_tables WHERE tablename = 'attendees'",
  );
  if (tables?.n !== 1) return new Map();
  const rows = await look<Committed>(
    box,
    `SELECT email, code_hash AS hash, code_sealed AS sealed, code_fingerprint AS fingerprint,
            code_version AS version FROM attendees`,
  );
  return new Map(rows.map((r) => [r.email, r]));
}

/** A fresh sandbox for one round: its own folder, and on PostgreSQL its own database. */
async function roundBox(dialect: Dialect): Promise<{ box: Sandbox; remove: () => Promise<void> }> {
  if (dialect === "sqlite") {
    const box = sandbox("kill-import");
    return {
      box,
      remove: () => {
        box.remove();
        return Promise.resolve();
      },
    };
  }
  const database = await createTestDatabase({ migrate: false });
  const box = sandbox("kill-import", { EVCRED_DB: database.url });
  return {
    box,
    remove: async () => {
      box.remove();
      await dropTestDatabase(database);
    },
  };
}

const dialects: Dialect[] = PG_URL === undefined ? ["sqlite"] : ["sqlite", "postgres"];

describe.each(dialects)("SIGKILL during import (%s)", (dialect) => {
  it(`${KILLS} kills at seeded random moments: sound database, whole batches, no code ever changes, a rerun finishes`, async () => {
    const random = seededRandom(SEED);
    const csv = attendeeCsv(ROWS);
    let bound = 2_000; // ms; raised to the slowest complete import seen, so kills span a whole run
    let killed = 0;
    for (let round = 0; round < KILLS; round++) {
      const { box, remove } = await roundBox(dialect);
      try {
        writeFileSync(join(box.dir, "a.csv"), csv);
        const delay = between(random, 0, bound);
        const run = box.start(["import", "a.csv", "--event", "ev", "--yes"]);
        const timer = setTimeout(() => run.child.kill("SIGKILL"), delay);
        const result = await run.done;
        clearTimeout(timer);
        if (result.signal === "SIGKILL") killed++;
        else expect(result.code, result.stderr).toBe(0);
        const where = `round ${round}, killed after ${delay} ms`;

        if (dialect === "sqlite" && existsSync(box.db) && statSync(box.db).size > 0) {
          expect(integrityCheck(box.db), where).toBe("ok");
        }
        const before = await committed(box, dialect);
        expect([0, 1_000, ROWS], where).toContain(before.size);
        const keyFile = box.env.EVCRED_KEY_FILE ?? "";
        if (existsSync(keyFile)) {
          // Created whole or not at all: a half-written key would lock the workspace out.
          expect(readFileSync(keyFile, "utf8"), where).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
        }

        const started = performance.now();
        const rerun = await box.run(["import", "a.csv", "--event", "ev", "--yes", "--json"]);
        expect(rerun.code, `${where}: ${rerun.stderr}`).toBe(0);
        if (before.size === 0) bound = Math.max(bound, Math.ceil(performance.now() - started));
        expect((JSON.parse(rerun.stdout) as { new: number }).new, where).toBe(ROWS - before.size);

        const after = await committed(box, dialect);
        expect(after.size, where).toBe(ROWS);
        for (const [email, row] of before) {
          const now = after.get(email);
          expect(now?.hash, `${where}: ${email}`).toBe(row.hash);
          expect(now?.sealed.equals(row.sealed), `${where}: ${email}`).toBe(true);
          expect(now?.fingerprint.equals(row.fingerprint), `${where}: ${email}`).toBe(true);
          expect(now?.version, `${where}: ${email}`).toBe(1);
        }
        await expectConsistentCodes(box, keyFile, random, where);
      } finally {
        await remove();
      }
    }
    expect(killed, "at least one run was really killed").toBeGreaterThan(0);
  }, 600_000);
});

/** A few attendees at random: the sealed code opens, matches the hash and the fingerprint. */
async function expectConsistentCodes(
  box: Sandbox,
  keyFile: string,
  random: () => number,
  where: string,
): Promise<void> {
  const rows = await look<{
    id: number;
    eventId: number;
    email: string;
    hash: string;
    sealed: Buffer;
    fingerprint: Buffer;
  }>(
    box,
    `SELECT id, event_id AS "eventId", email, code_hash AS hash, code_sealed AS sealed,
            code_fingerprint AS fingerprint FROM attendees`,
  );
  const ws = await openWorkspace({ path: box.env.EVCRED_DB ?? box.db, keyPath: keyFile });
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
  const [distinct] = await look<{ n: number; all: number }>(
    box,
    `SELECT count(DISTINCT code_fingerprint) AS n, count(*) AS "all" FROM attendees`,
  );
  expect(distinct?.n, where).toBe(distinct?.all);
}
