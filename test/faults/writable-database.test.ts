/**
 * A writable database without the key (issue 11, item 3): whoever can write `evcred.db` but does
 * not hold the master key can neither redirect a code (change an email) nor make `verify` accept
 * a code they know (write or copy a hash). Workspaces written before these bindings keep working.
 */
import Database from "better-sqlite3";
import { createCipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { hashCode, hashParamsFrom } from "../../src/vault/hash.js";
import { benchPerTest, SAMPLE_CSV, TEST_ARGON2, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();
const FAST = hashParamsFrom({ EVCRED_ARGON2: TEST_ARGON2 });

async function imported(b: TestBench): Promise<void> {
  b.file("attendees.csv", SAMPLE_CSV);
  const r = await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"]);
  expect(r.code, r.stderr).toBe(0);
  const from = await b.run(["event", "update", "--from", "Summit Team <team@summit.example>"]);
  expect(from.code, from.stderr).toBe(0);
}

/** What a database writer does: SQL on the file, no evcred, no key. */
function sql(b: TestBench, statement: string, ...params: unknown[]): void {
  const db = new Database(b.dbPath);
  try {
    db.prepare(statement).run(...params);
  } finally {
    db.close();
  }
}

function rowOf(b: TestBench, email: string): { id: number; eventId: number; hash: string } {
  const db = new Database(b.dbPath, { readonly: true });
  try {
    return db
      .prepare("SELECT id, event_id AS eventId, code_hash AS hash FROM attendees WHERE email = ?")
      .get(email) as { id: number; eventId: number; hash: string };
  } finally {
    db.close();
  }
}

function outboxText(b: TestBench): string {
  const outbox = b.path("outbox");
  if (!existsSync(outbox)) return "";
  return readdirSync(outbox)
    .map((f) => readFileSync(`${outbox}/${f}`, "utf8"))
    .join("\n");
}

describe("a changed email row", () => {
  it("no longer opens its sealed code: that attendee's send fails, naming them; nothing is mailed", async () => {
    const b = bench();
    await imported(b);
    const code = await b.codeOf("ada@example.com");
    sql(b, "UPDATE attendees SET email = 'mallory@evil.example' WHERE email = 'ada@example.com'");

    const r = await b.run(["send", "--template", "credentials", "--yes", "--json"]);
    expect(r.code).toBe(3);
    const result = r.json<{ sent: number; failed: { email: string; response: string }[] }>();
    expect(result.sent).toBe(2);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]?.email).toBe("mallory@evil.example");
    expect(result.failed[0]?.response).toContain(
      "the sealed code of mallory@evil.example does not open for this record",
    );
    expect(result.failed[0]?.response).toContain("the record was changed outside evcred");
    expect(result.failed[0]?.response).toContain("nothing was mailed");
    const mail = outboxText(b);
    expect(mail).not.toContain("mallory@evil.example");
    expect(mail).not.toContain(code);
    expect(readdirSync(b.path("outbox"))).toHaveLength(2);
    expect(r.stdout + r.stderr).not.toContain(code);
  });

  it("also fails a resend, and a human-readable send says why", async () => {
    const b = bench();
    await imported(b);
    await b.run(["template", "link", "resend", "credentials"]);
    sql(b, "UPDATE attendees SET email = 'mallory@evil.example' WHERE email = 'ada@example.com'");
    const r = await b.run(["resend", "mallory@evil.example", "--yes"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("changed outside evcred");
    expect(outboxText(b)).not.toContain("mallory@evil.example");
  });
});

describe("a written hash", () => {
  it("of a known string is refused by verify", async () => {
    const b = bench();
    await imported(b);
    sql(
      b,
      "UPDATE attendees SET code_hash = ? WHERE email = 'ada@example.com'",
      await hashCode("KNOWN2345", FAST),
    );
    const r = await b.run(["verify", "ada@example.com", "KNOWN2345"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("wrong email or code");
  });

  it("copied from another attendee whose code the writer knows is refused too", async () => {
    const b = bench();
    await imported(b);
    const graces = await b.codeOf("grace@example.com");
    const grace = rowOf(b, "grace@example.com");
    sql(b, "UPDATE attendees SET code_hash = ? WHERE email = 'ada@example.com'", grace.hash);
    expect((await b.run(["verify", "ada@example.com", graces])).code).toBe(1);
    expect((await b.run(["verify", "grace@example.com", graces])).code).toBe(0);
  });
  it("moved to another email with its row (two emails swapped) logs in as neither", async () => {
    const b = bench();
    await imported(b);
    // The writer knows grace's code and wants to log in as ada: swap the two rows' emails.
    const graces = await b.codeOf("grace@example.com");
    const adas = await b.codeOf("ada@example.com");
    sql(b, "UPDATE attendees SET email = 'swap' WHERE email = 'ada@example.com'");
    sql(b, "UPDATE attendees SET email = 'ada@example.com' WHERE email = 'grace@example.com'");
    sql(b, "UPDATE attendees SET email = 'grace@example.com' WHERE email = 'swap'");
    expect((await b.run(["verify", "ada@example.com", graces])).code).toBe(1);
    expect((await b.run(["verify", "grace@example.com", adas])).code).toBe(1);
  });

  it("follows an email changed by evcred: the code logs in at the new email only", async () => {
    const b = bench();
    await imported(b);
    const adas = await b.codeOf("ada@example.com");
    const r = await b.run(["attendees", "update", "ada@example.com", "--email", "ada@new.example"]);
    expect(r.code, r.stderr).toBe(0);
    expect((await b.run(["verify", "ada@new.example", adas])).code).toBe(0);
    expect((await b.run(["verify", "ada@example.com", adas])).code).toBe(1);
  });
});

/** The master key's seal key, as derived by the vault: to write what an older evcred wrote. */
function sealKey(b: TestBench): Buffer {
  const master = Buffer.from(readFileSync(b.env.EVCRED_KEY_FILE ?? "", "utf8").trim(), "base64");
  return Buffer.from(hkdfSync("sha256", master, Buffer.alloc(0), "evcred seal v1", 32));
}

function legacySeal(b: TestBench, code: string, eventId: number, attendeeId: number): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", sealKey(b), iv);
  cipher.setAAD(Buffer.from(`evcred code v1 event=${eventId} attendee=${attendeeId}`));
  const body = Buffer.concat([cipher.update(code, "utf8"), cipher.final()]);
  return Buffer.concat([Buffer.of(1), iv, body, cipher.getAuthTag()]);
}

/** Turns the bench's workspace into one as the evcred before these bindings left it. */
async function makeLegacy(b: TestBench): Promise<Map<string, string>> {
  const codes = new Map<string, string>();
  const db = new Database(b.dbPath);
  try {
    const rows = db.prepare("SELECT id, event_id AS eventId, email FROM attendees").all() as {
      id: number;
      eventId: number;
      email: string;
    }[];
    for (const row of rows) {
      const code = await b.codeOf(row.email);
      codes.set(row.email, code);
      db.prepare("UPDATE attendees SET code_sealed = ?, code_hash = ? WHERE id = ?").run(
        legacySeal(b, code, row.eventId, row.id),
        await hashCode(code, FAST),
        row.id,
      );
    }
    db.prepare("DELETE FROM meta WHERE key = 'seals_bound'").run();
    db.prepare("UPDATE meta SET value = ? WHERE key = 'decoy_hash'").run(
      await hashCode("DECOY", FAST),
    );
  } finally {
    db.close();
  }
  return codes;
}

describe("a workspace written before the bindings", () => {
  it("keeps sending and verifying; its seals are bound to the email, its hashes keyed at first success", async () => {
    const b = bench();
    await imported(b);
    const codes = await makeLegacy(b);
    const adaBefore = rowOf(b, "ada@example.com");
    expect(adaBefore.hash).toMatch(/^\$argon2id\$/);

    // Wrong code: refused, hash untouched.
    expect((await b.run(["verify", "ada@example.com", "ZZZZ-ZZZZ-ZZ"])).code).toBe(1);
    expect(rowOf(b, "ada@example.com").hash).toBe(adaBefore.hash);
    // The right one verifies, and the hash becomes a keyed one that still verifies.
    expect(
      (await b.run(["verify", "ada@example.com", codes.get("ada@example.com") ?? ""])).code,
    ).toBe(0);
    expect(rowOf(b, "ada@example.com").hash).toMatch(/^\$evk1\$/);
    expect(
      (await b.run(["verify", "ada@example.com", codes.get("ada@example.com") ?? ""])).code,
    ).toBe(0);
    // Unknown emails cost a keyed decoy now.
    expect((await b.run(["verify", "nobody@example.com", "ZZZZ-ZZZZ-ZZ"])).code).toBe(1);
    const meta = (await b.snapshot()).meta as { key: string; value: string }[];
    expect(meta.find((m) => m.key === "decoy_hash")?.value).toMatch(/^\$evk1\$/);
    expect(meta.find((m) => m.key === "seals_bound")?.value).toBe("email");

    // Every seal was re-bound with its email: mail goes out as before …
    const sent = await b.run(["send", "--template", "credentials", "--yes", "--json"]);
    expect(sent.code, sent.stderr).toBe(0);
    for (const [email, code] of codes) expect(await b.codeOf(email)).toBe(code);
    // … and from now on a changed email no longer opens.
    sql(b, "UPDATE attendees SET email = 'mallory@evil.example' WHERE email = 'grace@example.com'");
    const again = await b.run(["send", "--template", "credentials", "--all", "--yes", "--json"]);
    expect(again.json<{ failed: { email: string }[] }>().failed.map((f) => f.email)).toEqual([
      "mallory@evil.example",
    ]);
  });

  it("keeps a chosen code with look-alikes verifying, folded from then on", async () => {
    const b = bench();
    await imported(b);
    await makeLegacy(b);
    // An older evcred kept a chosen code unfolded: sealed, hashed and fingerprinted as typed.
    const old = "GRACEHALL2O26";
    const ada = rowOf(b, "ada@example.com");
    const master = Buffer.from(readFileSync(b.env.EVCRED_KEY_FILE ?? "", "utf8").trim(), "base64");
    const fpKey = Buffer.from(
      hkdfSync("sha256", master, Buffer.alloc(0), "evcred fingerprint v1", 32),
    );
    const fingerprint = (code: string) =>
      createHmac("sha256", fpKey).update(`${ada.eventId}\u0000${code}`).digest();
    sql(
      b,
      "UPDATE attendees SET code_sealed = ?, code_hash = ?, code_fingerprint = ?, code_source = 'organizer' WHERE id = ?",
      legacySeal(b, old, ada.eventId, ada.id),
      await hashCode(old, FAST),
      fingerprint(old),
      ada.id,
    );
    // Typed with a zero for the O, and the Ls as ones: the look-alikes fold on both sides.
    expect((await b.run(["verify", "ada@example.com", "grace-ha11-2026"])).code).toBe(0);
    expect((await b.run(["verify", "ada@example.com", old])).code).toBe(0);
    expect(rowOf(b, "ada@example.com").hash).toMatch(/^\$evk1\$/);
    // The upgrade refolded its fingerprint, so an equal code is seen as taken.
    const db = new Database(b.dbPath, { readonly: true });
    try {
      const row = db
        .prepare("SELECT code_fingerprint AS f FROM attendees WHERE id = ?")
        .get(ada.id) as { f: Buffer };
      expect(row.f.equals(fingerprint("GRACEHA112026"))).toBe(true);
    } finally {
      db.close();
    }
    const taken = await b.run([
      "reset-code",
      "grace@example.com",
      "--code",
      "GRACE-HALL-2026",
      "--yes",
    ]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain("taken by another attendee");
  });

  it("refuses a legacy hash that the sealed copy does not confirm (written by someone else)", async () => {
    const b = bench();
    await imported(b);
    await makeLegacy(b);
    sql(
      b,
      "UPDATE attendees SET code_hash = ? WHERE email = 'ada@example.com'",
      await hashCode("KNOWN2345", FAST),
    );
    expect((await b.run(["verify", "ada@example.com", "KNOWN2345"])).code).toBe(1);
  });

  it("refuses an old-kind seal put back after the upgrade, beside a changed email", async () => {
    const b = bench();
    await imported(b);
    const code = await b.codeOf("ada@example.com");
    const ada = rowOf(b, "ada@example.com");
    // The upgrade has run (the import loaded the key); now a writer puts back an old-kind seal.
    sql(
      b,
      "UPDATE attendees SET code_sealed = ?, email = 'mallory@evil.example' WHERE id = ?",
      legacySeal(b, code, ada.eventId, ada.id),
      ada.id,
    );
    const r = await b.run(["send", "--template", "credentials", "--yes", "--json"]);
    const failed = r.json<{ failed: { email: string; response: string }[] }>().failed;
    expect(failed.map((f) => f.email)).toEqual(["mallory@evil.example"]);
    expect(failed[0]?.response).toContain(
      "not bound to its email: the record was changed outside evcred",
    );
    expect(outboxText(b)).not.toContain("mallory@evil.example");
  });
});
