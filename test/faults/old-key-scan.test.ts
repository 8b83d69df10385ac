/**
 * What the red team did to a rotated workspace: keep the old key, then try every offset of the
 * database and its WAL as the start of a sealed code under it — AES-GCM is a counter mode, so
 * decrypting the bytes after each possible IV with the old sealing key yields the code wherever
 * an old seal survives, tag or no tag (and whatever the associated data). Before the fix, free
 * pages kept old seals after `key rotate`; the same goes for the old hashes of `reset-code --all`
 * and the rows of `attendees remove`.
 */
import Database from "better-sqlite3";
import { lookAt } from "../helpers/look.js";
import { createDecipheriv, hkdfSync } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { benchPerTest, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();
const COUNT = 120;

interface Stored {
  email: string;
  hash: string;
  sealed: Buffer;
  fingerprint: Buffer;
}

async function imported(b: TestBench): Promise<{ codes: Set<string>; rows: Stored[] }> {
  const lines = Array.from({ length: COUNT }, (_, i) => `p${i}@example.com,Person ${i}`);
  b.file("a.csv", `email,name\n${lines.join("\n")}\n`);
  expect((await b.run(["import", "a.csv", "--event", "summit", "--yes"])).code).toBe(0);
  const rows = await stored(b);
  return { codes: new Set(await Promise.all(rows.map((r) => b.codeOf(r.email)))), rows };
}

async function stored(b: TestBench): Promise<Stored[]> {
  return lookAt<Stored>(
    b.db,
    `SELECT email, code_hash AS hash, code_sealed AS sealed, code_fingerprint AS fingerprint
     FROM attendees ORDER BY id`,
  );
}

/** The database and whatever journal SQLite left beside it, as an attacker would copy them. */
function files(b: TestBench): Buffer[] {
  return ["", "-wal", "-journal"]
    .map((suffix) => `${b.dbPath}${suffix}`)
    .filter((path) => existsSync(path))
    .map((path) => readFileSync(path));
}

function sealingKey(keyFile: string): Buffer {
  const master = Buffer.from(readFileSync(keyFile, "utf8").trim(), "base64");
  return Buffer.from(hkdfSync("sha256", master, Buffer.alloc(0), "evcred seal v1", 32));
}

/** Every code that opens at some offset of `data`: 1 version byte, 12 of IV, then the code. */
function openAtEveryOffset(data: Buffer, key: Buffer, codes: ReadonlySet<string>): Set<string> {
  const lengths = [...new Set([...codes].map((c) => Buffer.byteLength(c)))];
  const longest = Math.max(...lengths);
  const found = new Set<string>();
  for (let i = 0; i + 13 + Math.min(...lengths) <= data.length; i++) {
    const counter = Buffer.concat([data.subarray(i + 1, i + 13), Buffer.of(0, 0, 0, 2)]);
    const plain = createDecipheriv("aes-256-ctr", key, counter)
      .update(data.subarray(i + 13, i + 13 + longest))
      .toString("latin1");
    for (const n of lengths) if (codes.has(plain.slice(0, n))) found.add(plain.slice(0, n));
  }
  return found;
}

function survivors(b: TestBench, key: Buffer, codes: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  for (const data of files(b))
    for (const code of openAtEveryOffset(data, key, codes)) found.add(code);
  return found;
}

function containsAny(b: TestBench, needles: readonly (Buffer | string)[]): number {
  const data = files(b);
  return needles.filter((n) => data.some((d) => d.includes(n))).length;
}

describe("nothing the old key opens survives in the files", () => {
  it("after key rotate: no old seal opens at any offset, no old fingerprint is left", async () => {
    const b = bench();
    const { codes, rows } = await imported(b);
    const oldKey = sealingKey(b.env.EVCRED_KEY_FILE ?? "");
    // The scan works: before the rotation it opens every code.
    expect(survivors(b, oldKey, codes).size).toBe(COUNT);

    const r = await b.run(["key", "rotate", "--yes", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ codes: COUNT, scrubbed: true });
    expect(survivors(b, oldKey, codes)).toEqual(new Set());
    expect(
      containsAny(
        b,
        rows.map((row) => row.fingerprint),
      ),
    ).toBe(0);
    expect(
      containsAny(
        b,
        rows.map((row) => row.sealed),
      ),
    ).toBe(0);
    // Under the new key every code is still there, unchanged.
    expect(new Set(await Promise.all(rows.map((row) => b.codeOf(row.email))))).toEqual(codes);
  });

  it("a reader holding the workspace keeps the WAL: the rotation still succeeds, and says so", async () => {
    const b = bench();
    const { codes, rows } = await imported(b);
    const reader = new Database(b.dbPath);
    try {
      reader.exec("BEGIN");
      reader.prepare("SELECT count(*) FROM attendees").get(); // an old snapshot, held
      const r = await b.run(["key", "rotate", "--yes"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain("codes in 1 event re-sealed under key");
      expect(r.stderr).toContain("warning: another process kept the workspace busy");
      reader.exec("COMMIT");
    } finally {
      reader.close();
    }
    expect(new Set(await Promise.all(rows.map((row) => b.codeOf(row.email))))).toEqual(codes);
  });

  it("after reset-code --all: no old hash, seal or fingerprint is left", async () => {
    const b = bench();
    const { codes, rows } = await imported(b);
    const key = sealingKey(b.env.EVCRED_KEY_FILE ?? "");
    const r = await b.run(["reset-code", "--all", "--generate", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect(survivors(b, key, codes)).toEqual(new Set());
    expect(
      containsAny(
        b,
        rows.map((row) => row.hash),
      ),
    ).toBe(0);
    expect(
      containsAny(
        b,
        rows.map((row) => row.fingerprint),
      ),
    ).toBe(0);
  });

  it("after attendees remove: nothing of the attendee's code is left", async () => {
    const b = bench();
    const { rows } = await imported(b);
    const gone = rows[7];
    if (!gone) throw new Error("no attendee");
    const code = await b.codeOf(gone.email);
    const r = await b.run(["attendees", "remove", gone.email, "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    const key = sealingKey(b.env.EVCRED_KEY_FILE ?? "");
    expect(survivors(b, key, new Set([code]))).toEqual(new Set());
    expect(containsAny(b, [gone.hash, gone.sealed, gone.fingerprint])).toBe(0);
  });
});
