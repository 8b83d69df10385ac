/**
 * A key rotation stopped at every point that matters: after the new key is staged, after the old
 * one is kept, after the transaction commits (before the key file is renamed), in the middle of
 * the transaction (a sealed code that does not open), and by SIGKILL at random moments of a real
 * `evcred key rotate` (on SQLite and on PostgreSQL). Each time the next command finds a usable
 * workspace — old key and old seals, or new key and new seals — and every code is the one the
 * attendee was given.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rotateMasterKey, type RotationStep } from "../../src/domain/key-rotation.js";
import { runDeliveries } from "../../src/mail/runner.js";
import { loadTemplate } from "../../src/mail/templates.js";
import type { MailTransport, OutgoingMessage } from "../../src/mail/transport.js";
import { events } from "../../src/store/schema.js";
import { openWorkspace } from "../../src/store/workspace.js";
import { codeOwner } from "../../src/vault/vault.js";
import { groupCode } from "../../src/domain/codes.js";
import { attendeeCsv, integrityCheck, lookAt, sandbox, SOAK } from "../helpers/faults.js";
import { createTestDatabase, dropTestDatabase, PG_URL } from "../helpers/postgres.js";
import { between, seededRandom } from "../helpers/prng.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";
import { sqliteOf } from "../helpers/sqlite.js";

const bench = benchPerTest();

class Crash extends Error {}

async function twoEvents(b: TestBench): Promise<Map<string, string>> {
  b.file("a.csv", SAMPLE_CSV);
  expect((await b.run(["import", "a.csv", "--event", "summit", "--yes"])).code).toBe(0);
  b.file("b.csv", "email\nada@example.com\nkatherine@example.com\n");
  expect((await b.run(["import", "b.csv", "--event", "expo", "--yes"])).code).toBe(0);
  return allCodes(b.dbPath, b.env.EVCRED_KEY_FILE ?? "");
}

/** Every attendee's code, opened with whatever key the workspace finds (as the next command). */
/** Every attendee's code under the key file as it is now (the workspace: a file or a URL). */
async function allCodes(db: string, keyFile: string): Promise<Map<string, string>> {
  const rows = await lookAt<{
    id: number;
    eventId: number;
    email: string;
    sealed: Buffer;
    fingerprint: Buffer;
  }>(
    db,
    `SELECT a.id, a.event_id AS "eventId", a.email, a.code_sealed AS sealed,
            a.code_fingerprint AS fingerprint FROM attendees a ORDER BY a.id`,
  );
  const ws = await openWorkspace({ path: db, keyPath: keyFile });
  try {
    const vault = await ws.vault();
    const codes = new Map<string, string>();
    for (const row of rows) {
      const code = vault.open(row.sealed, codeOwner(row));
      expect(vault.fingerprint(row.eventId, code).equals(row.fingerprint), row.email).toBe(true);
      codes.set(`${row.eventId}/${row.email}`, code);
    }
    return codes;
  } finally {
    await ws.close();
  }
}

async function recordedKeyId(db: string): Promise<string | undefined> {
  const [row] = await lookAt<{ value: string }>(db, "SELECT value FROM meta WHERE key = 'key_id'");
  return row?.value;
}

describe("a key rotation stopped halfway", () => {
  it.each<[RotationStep, "old" | "new"]>([
    ["staged", "old"],
    ["kept", "old"],
    ["committed", "new"],
  ])(
    "a crash right after `%s` leaves the %s key and its seals, usable by the next command",
    async (step, which) => {
      const b = bench();
      const codes = await twoEvents(b);
      const oldId = await recordedKeyId(b.dbPath);
      const oldKey = readFileSync(b.env.EVCRED_KEY_FILE ?? "", "utf8");
      const ws = await b.open();
      let newId = "";
      try {
        await rotateMasterKey(ws, {
          who: { actor: "tester", at: b.now.toISOString() },
          afterStep: (s) => {
            if (s === "staged") {
              newId =
                readdirSync(b.dir)
                  .find((f) => f.startsWith("master.key.new-"))
                  ?.slice(15) ?? "";
            }
            if (s === step) throw new Crash(step);
          },
        });
        expect.unreachable("the rotation should have stopped");
      } catch (error) {
        if (!(error instanceof Crash)) throw error;
      } finally {
        void ws.close();
      }
      expect(integrityCheck(b.dbPath)).toBe("ok");

      // The next command: it sees one consistent workspace, and finishes a committed rotation.
      const show = await b.run(["key", "show", "--json"]);
      expect(show.code, show.stderr).toBe(0);
      const expected = which === "old" ? oldId : newId;
      expect(show.json()).toMatchObject({ keyId: expected });
      expect(await recordedKeyId(b.dbPath)).toBe(expected);
      if (which === "old") expect(readFileSync(b.env.EVCRED_KEY_FILE ?? "", "utf8")).toBe(oldKey);
      else expect(readdirSync(b.dir).filter((f) => f.startsWith("master.key.new-"))).toEqual([]);
      if (step !== "staged") {
        expect(readFileSync(`${b.env.EVCRED_KEY_FILE ?? ""}.old-${oldId}`, "utf8")).toBe(oldKey);
      }
      expect(await allCodes(b.dbPath, b.env.EVCRED_KEY_FILE ?? "")).toEqual(codes);
      const [first] = codes.entries();
      const email = first?.[0].split("/")[1] ?? "";
      expect((await b.run(["--event", "summit", "verify", email, first?.[1] ?? ""])).code).toBe(0);

      // And a rotation started afresh completes.
      const again = await b.run(["key", "rotate", "--yes", "--json"]);
      expect(again.code, again.stderr).toBe(0);
      expect(await allCodes(b.dbPath, b.env.EVCRED_KEY_FILE ?? "")).toEqual(codes);
    },
  );

  it("finishing a committed rotation never replaces a key file the rotation did not keep", async () => {
    const b = bench();
    await twoEvents(b);
    const keyFile = b.env.EVCRED_KEY_FILE ?? "";
    const ws = await b.open();
    try {
      await rotateMasterKey(ws, {
        who: { actor: "tester", at: b.now.toISOString() },
        afterStep: (s) => {
          if (s === "committed") throw new Crash(s);
        },
      });
    } catch (error) {
      if (!(error instanceof Crash)) throw error;
    } finally {
      void ws.close();
    }
    // Someone puts another key in place before the next command: it is nobody's backup.
    const stranger = `${randomBytes(32).toString("base64")}\n`;
    writeFileSync(keyFile, stranger, { mode: 0o600 });
    const r = await b.run(["key", "show"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is not this workspace's key");
    expect(readFileSync(keyFile, "utf8")).toBe(stranger);
    expect(readdirSync(b.dir).filter((f) => f.startsWith("master.key.new-"))).toHaveLength(1);
  });

  it("a sealed code that does not open stops it inside the transaction: exit 1, nothing changed", async () => {
    const b = bench();
    const codes = await twoEvents(b);
    const ws = await b.open();
    try {
      const row = sqliteOf(ws)
        .sqlite.prepare("SELECT id, code_sealed AS s FROM attendees WHERE id = 3")
        .get() as {
        id: number;
        s: Buffer;
      };
      const spoiled = Buffer.from(row.s);
      spoiled[20] = (spoiled[20] ?? 0) ^ 0xff;
      sqliteOf(ws).sqlite.prepare("UPDATE attendees SET code_sealed = ? WHERE id = 3").run(spoiled);
      const before = await b.snapshot();
      const key = readFileSync(b.env.EVCRED_KEY_FILE ?? "", "utf8");
      const r = await b.run(["key", "rotate", "--yes"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /error: the sealed code of alan@example.com does not open for this record with key [0-9a-f]{12}/,
      );
      expect(await b.snapshot()).toEqual(before);
      expect(readFileSync(b.env.EVCRED_KEY_FILE ?? "", "utf8")).toBe(key);
      sqliteOf(ws).sqlite.prepare("UPDATE attendees SET code_sealed = ? WHERE id = 3").run(row.s);
    } finally {
      void ws.close();
    }
    expect((await b.run(["key", "rotate", "--yes"])).code).toBe(0);
    expect(await allCodes(b.dbPath, b.env.EVCRED_KEY_FILE ?? "")).toEqual(codes);
  });
});

describe("a key rotated under a running send", () => {
  it("stops the send (nobody marked failed, nothing left pending); a rerun sends with the new key", async () => {
    const b = bench();
    const codes = await twoEvents(b);
    const ws = await b.open();
    try {
      await ws.vault(); // the send has loaded the key (it is checking the mail server) …
      const other = await b.open();
      try {
        await rotateMasterKey(other, { who: { actor: "tester", at: b.now.toISOString() } }); // … when this commits
      } finally {
        void other.close();
      }
      const sent: OutgoingMessage[] = [];
      const transport: MailTransport = {
        kind: "outbox",
        description: "memory",
        send: (m) => {
          sent.push(m);
          return Promise.resolve({ messageId: `<${sent.length}@test>`, response: "250 ok" });
        },
        verify: () => Promise.resolve(),
        close: () => undefined,
      };
      const event = sqliteOf(ws).db.select().from(events).get();
      if (!event) throw new Error("no event");
      const ids = sqliteOf(ws)
        .sqlite.prepare("SELECT id FROM attendees WHERE event_id = ?")
        .pluck()
        .all(event.id) as number[];
      const summary = await runDeliveries(ws, {
        event,
        template: loadTemplate(b.templatesDir, "credentials"),
        transport,
        from: "team@example.com",
        purpose: "send",
        attendeeIds: ids,
        onlyDue: true,
        retry: { attempts: 1, baseDelayMs: 1 },
        concurrency: 2,
        now: () => b.now,
        signal: new AbortController().signal,
      });
      expect(summary.stoppedBy).toBe(
        "the master key was rotated while sending (evcred key rotate); the rest is still due",
      );
      expect(summary.failed).toEqual([]);
      expect(sent).toEqual([]);
      expect(sqliteOf(ws).sqlite.prepare("SELECT count(*) FROM deliveries").pluck().get()).toBe(0);
    } finally {
      void ws.close();
    }
    const rerun = await b.run(["--event", "summit", "send", "--template", "credentials", "--yes"]);
    expect(rerun.code, rerun.stderr).toBe(0);
    const outbox = readdirSync(b.path("outbox"));
    expect(outbox).toHaveLength(3);
    for (const [key, code] of codes) {
      const [eventId, email] = key.split("/");
      if (eventId !== "1") continue;
      const file = outbox.find((f) => f.includes(email ?? "?")) ?? "";
      expect(readFileSync(b.path(`outbox/${file}`), "utf8")).toContain(groupCode(code));
    }
  });
});

const KILLS = SOAK ? 20 : 4;

const dialects = PG_URL === undefined ? ["sqlite"] : ["sqlite", "postgres"];

describe.each(dialects)("SIGKILL during key rotate (%s)", (dialect) => {
  it(`${KILLS} kills at seeded random moments: the next command always finds one whole key`, async () => {
    const database = dialect === "postgres" ? await createTestDatabase({ migrate: false }) : null;
    const box = sandbox("kill-rotate", database ? { EVCRED_DB: database.url } : {});
    const db = database?.url ?? box.db;
    try {
      writeFileSync(join(box.dir, "a.csv"), attendeeCsv(1_000));
      expect((await box.run(["import", "a.csv", "--event", "ev", "--yes"])).code).toBe(0);
      const keyFile = box.env.EVCRED_KEY_FILE ?? "";
      const codes = await allCodes(db, keyFile);
      const started = performance.now();
      expect((await box.run(["key", "rotate", "--yes"])).code).toBe(0);
      const bound = Math.ceil(performance.now() - started);
      const random = seededRandom(Number(process.env.EVCRED_FAULT_SEED ?? 3));
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
        if (!database) expect(integrityCheck(box.db), where).toBe("ok");
        // The next command finishes or undoes what the kill left, and finds the key recorded.
        const show = await box.run(["key", "show", "--json"]);
        expect(show.code, `${where}: ${show.stderr}`).toBe(0);
        expect((JSON.parse(show.stdout) as { keyId: string }).keyId, where).toBe(
          await recordedKeyId(db),
        );
        expect(await allCodes(db, keyFile), where).toEqual(codes);
      }
      expect(killed, "at least one run was really killed").toBeGreaterThan(0);
    } finally {
      box.remove();
      if (database) await dropTestDatabase(database);
    }
  }, 300_000);
});
