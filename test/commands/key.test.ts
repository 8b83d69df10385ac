import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { changeAt, lookAt } from "../helpers/look.js";
import { describe, expect, it } from "vitest";
import { groupCode } from "../../src/domain/codes.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();
const EMAILS = ["ada@example.com", "grace@example.com", "alan@example.com"];

async function imported(b: TestBench): Promise<void> {
  b.file("a.csv", SAMPLE_CSV);
  expect((await b.run(["import", "a.csv", "--event", "summit", "--yes"])).code).toBe(0);
  b.file("b.csv", "email\nada@example.com\nkatherine@example.com\n");
  expect((await b.run(["import", "b.csv", "--event", "expo", "--yes"])).code).toBe(0);
  expect((await b.run(["event", "use", "summit"])).code).toBe(0);
}

interface Stored {
  email: string;
  event: string;
  hash: string;
  sealed: Buffer;
  fingerprint: Buffer;
}

async function stored(b: TestBench): Promise<Stored[]> {
  return lookAt<Stored>(
    b.db,
    `SELECT a.email, e.slug AS event, a.code_hash AS hash, a.code_sealed AS sealed,
            a.code_fingerprint AS fingerprint
     FROM attendees a JOIN events e ON e.id = a.event_id ORDER BY a.id`,
  );
}

function keyText(b: TestBench): string {
  return readFileSync(b.env.EVCRED_KEY_FILE ?? "", "utf8").trim();
}

describe("evcred key show", () => {
  it("prints the key's id and file and mode, never the key", async () => {
    const b = bench();
    const init = await b.run(["init", "--json"]);
    const { keyId } = init.json<{ keyId: string }>();
    const human = await b.run(["key", "show"]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`key id      ${keyId}`);
    expect(human.stdout).toContain(`key file    ${b.env.EVCRED_KEY_FILE ?? ""} (mode 0600)`);
    const json = await b.run(["key", "show", "--json"]);
    expect(json.json()).toEqual({
      workspace: b.shownWorkspace,
      keyId,
      keyFile: b.env.EVCRED_KEY_FILE,
      mode: "0600",
    });
    const key = keyText(b);
    const raw = Buffer.from(key, "base64");
    for (const text of b.transcript) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(raw.toString("hex"));
    }
  });

  it("refuses a key that is not this workspace's (exit 1), naming both ids", async () => {
    const b = bench();
    await b.run(["init"]);
    const other = b.file("other.key", randomBytes(32).toString("base64") + "\n");
    chmodSync(other, 0o600);
    const r = await b.run(["key", "show"], { env: { EVCRED_KEY_FILE: other } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /error: the master key .*other\.key \(id [0-9a-f]{12}\) is not this workspace's key/,
    );
  });
});

describe("evcred key rotate", () => {
  it("re-seals every code and fingerprint under a new key; codes, hashes and logins stay as they were", async () => {
    const b = bench();
    await imported(b);
    const codes = new Map(
      await Promise.all(EMAILS.map(async (e) => [e, await b.codeOf(e, "summit")] as const)),
    );
    const expoAda = await b.codeOf("ada@example.com", "expo");
    const before = await stored(b);
    const oldKey = keyText(b);
    const oldId = (await b.run(["key", "show", "--json"])).json<{ keyId: string }>().keyId;

    const r = await b.run(["key", "rotate", "--yes", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const result = r.json<{
      keyId: string;
      previousKeyId: string;
      keyFile: string;
      previousKeyFile: string;
      codes: number;
      events: number;
    }>();
    expect(result).toMatchObject({ previousKeyId: oldId, codes: 5, events: 2 });
    expect(result.keyId).not.toBe(oldId);
    expect(result.previousKeyFile).toBe(`${b.env.EVCRED_KEY_FILE ?? ""}.old-${oldId}`);

    // The old key is kept, whole and private; the key file holds the new one.
    expect(readFileSync(result.previousKeyFile, "utf8").trim()).toBe(oldKey);
    expect(statSync(result.previousKeyFile).mode & 0o777).toBe(0o600);
    expect(keyText(b)).not.toBe(oldKey);
    expect(statSync(b.env.EVCRED_KEY_FILE ?? "").mode & 0o777).toBe(0o600);
    expect(readdirSync(b.dir).filter((f) => f.includes(".new-") || f.includes(".tmp-"))).toEqual(
      [],
    );

    const after = await stored(b);
    for (const [i, row] of after.entries()) {
      const old = before[i];
      expect(row.hash).toBe(old?.hash);
      expect(row.sealed.equals(old?.sealed ?? Buffer.alloc(0))).toBe(false);
      expect(row.fingerprint.equals(old?.fingerprint ?? Buffer.alloc(0))).toBe(false);
    }
    for (const [email, code] of codes) {
      expect(await b.codeOf(email, "summit")).toBe(code);
      expect((await b.run(["verify", email, groupCode(code)])).code).toBe(0);
    }
    expect(await b.codeOf("ada@example.com", "expo")).toBe(expoAda);
    // The hashes are keyed with the hash key the rotation carried over.
    expect((await b.run(["verify", "ada@example.com", expoAda, "--event", "expo"])).code).toBe(0);

    // Fingerprints under the new key still forbid a shared code.
    const taken = await b.run([
      "reset-code",
      "grace@example.com",
      "--code",
      codes.get("ada@example.com") ?? "",
      "--yes",
    ]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain("that code is taken by another attendee of summit");

    // Audited, workspace-wide, without key material.
    const log = await b.run(["log", "--json"]);
    const entry = log.json<{ entries: { action: string; summary: string }[] }>().entries[0];
    expect(entry?.action).toBe("key.rotate");
    expect(entry?.summary).toContain(
      `master key ${oldId} → ${result.keyId}: 5 codes re-sealed in 2 events`,
    );
    for (const text of b.transcript) {
      expect(text).not.toContain(oldKey);
      expect(text).not.toContain(keyText(b));
      for (const code of codes.values()) expect(text).not.toContain(code);
    }
  });

  it("sends the same codes afterwards, opened with the new key", async () => {
    const b = bench();
    await imported(b);
    const codes = new Map(
      await Promise.all(EMAILS.map(async (e) => [e, await b.codeOf(e, "summit")] as const)),
    );
    expect((await b.run(["key", "rotate", "--yes"])).code).toBe(0);
    const r = await b.run(["send", "--template", "credentials", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    const outbox = readdirSync(b.path("outbox"));
    for (const [email, code] of codes) {
      const file = outbox.find((f) => f.includes(email)) ?? "";
      expect(readFileSync(b.path(`outbox/${file}`), "utf8")).toContain(groupCode(code));
    }
  });

  it("asks first: without --yes and no terminal it exits 2; a no exits 130; nothing changes", async () => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const key = keyText(b);
    const r = await b.run(["key", "rotate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--yes");
    const no = await b.run(["key", "rotate"], { tty: true, answers: [false] });
    expect(no.code).toBe(130);
    expect(no.stderr).toContain("the key was not rotated");
    expect(await b.snapshot()).toEqual(before);
    expect(keyText(b)).toBe(key);
    expect(readdirSync(b.dir).filter((f) => f.includes("master.key."))).toEqual([]);
  });

  it("refuses while a send holds claims (exit 1), changing nothing", async () => {
    const b = bench();
    await imported(b);
    await changeAt(
      b.db,
      `INSERT INTO deliveries (event_id, attendee_id, template, purpose, code_version, status,
         attempts, lease_owner, lease_expires_at, created_at, updated_at)
       SELECT event_id, id, 'credentials', 'send', 1, 'pending', 0, 'elsewhere:1:x', ?, ?, ?
       FROM attendees ORDER BY id LIMIT 1`,
      ["2026-05-04T09:10:00.000Z", b.now.toISOString(), b.now.toISOString()],
    );
    const before = await b.snapshot();
    const key = keyText(b);
    const r = await b.run(["key", "rotate", "--yes"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "error: a send is running (1 message in flight); the key was not rotated",
    );
    expect(r.stderr).toContain("2026-05-04T09:10:00.000Z");
    expect(await b.snapshot()).toEqual(before);
    expect(keyText(b)).toBe(key);
  });

  it("another workspace that shared the key file is told where the previous key is kept", async () => {
    const b = bench();
    await imported(b);
    b.file("other/a.csv", SAMPLE_CSV);
    const other = ["--db", "other/evcred.db"];
    expect((await b.run([...other, "import", "other/a.csv", "--event", "x", "--yes"])).code).toBe(
      0,
    );
    const code = await b.codeOf("ada@example.com", "summit");
    const r = await b.run(["key", "rotate", "--yes", "--json"]);
    const { previousKeyFile } = r.json<{ previousKeyFile: string }>();

    const refused = await b.run([...other, "key", "show"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("is not this workspace's key");
    expect(refused.stderr).toContain(
      `hint: the key was rotated by another workspace; this one still uses the previous key: set EVCRED_KEY_FILE=${previousKeyFile}`,
    );
    const shown = await b.run([...other, "key", "show"], {
      env: { EVCRED_KEY_FILE: previousKeyFile },
    });
    expect(shown.code, shown.stderr).toBe(0);
    expect(existsSync(previousKeyFile)).toBe(true);
    expect(await b.codeOf("ada@example.com", "summit")).toBe(code);
  });
});
