import { createCipheriv, hkdfSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { groupCode, normalizeCode } from "../../src/domain/codes.js";
import { KeyError, UsageError } from "../../src/errors.js";
import {
  hashCode,
  hashMany,
  hashParamsFrom,
  OWASP_PARAMS,
  verifyCode,
} from "../../src/vault/hash.js";
import { loadMasterKey, masterKeyPath } from "../../src/vault/master-key.js";
import { DECOY_OWNER, SealMismatchError, Vault } from "../../src/vault/vault.js";
import { benchPerTest, SAMPLE_CSV } from "../helpers/workspace.js";
import { sqliteOf } from "../helpers/sqlite.js";

const bench = benchPerTest();
const CODE = "K7QM4XHP2W";
const ADA = { eventId: 1, attendeeId: 2, email: "ada@example.com" };
const FAST = hashParamsFrom({ EVCRED_ARGON2: "m=1024,t=1,p=1" });

const vault = (key = randomBytes(32)) => new Vault(key, "/keys/test.key");

/** A seal as evcred made them before seals named the email: version 1, event and attendee. */
function legacySeal(
  masterKey: Buffer,
  code: string,
  owner: { eventId: number; attendeeId: number },
) {
  const key = Buffer.from(hkdfSync("sha256", masterKey, Buffer.alloc(0), "evcred seal v1", 32));
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(`evcred code v1 event=${owner.eventId} attendee=${owner.attendeeId}`));
  const body = Buffer.concat([cipher.update(code, "utf8"), cipher.final()]);
  return Buffer.concat([Buffer.of(1), iv, body, cipher.getAuthTag()]);
}

describe("seal and open", () => {
  it("opens what it sealed, for the same attendee", () => {
    const v = vault();
    const sealed = v.seal(CODE, ADA);
    expect(v.open(sealed, ADA)).toBe(CODE);
    expect(sealed.includes(Buffer.from(CODE))).toBe(false);
  });

  it("seals the same code differently every time (random IV)", () => {
    const v = vault();
    expect(v.seal(CODE, ADA).equals(v.seal(CODE, ADA))).toBe(false);
  });

  it.each([
    ["another attendee", { ...ADA, attendeeId: 3 }],
    ["another event", { ...ADA, eventId: 2 }],
    ["another email", { ...ADA, email: "mallory@evil.example" }],
    ["an email one letter off", { ...ADA, email: "ada@example.co" }],
  ])("refuses a sealed code moved to %s", (_name, owner) => {
    const v = vault();
    const sealed = v.seal(CODE, ADA);
    expect(() => v.open(sealed, owner)).toThrow(SealMismatchError);
    expect(() => v.open(sealed, owner)).toThrow(
      `the sealed code of ${owner.email} does not open for this record with key ${v.keyId}: the record was changed outside evcred`,
    );
  });

  it("opens a seal made before seals named the email only through bindLegacySeal", () => {
    const key = randomBytes(32);
    const v = vault(key);
    const legacy = legacySeal(key, CODE, ADA);
    // Refused where a code is opened for mailing: a DB writer could have put it back.
    expect(() => v.open(legacy, ADA)).toThrow(SealMismatchError);
    expect(() => v.open(legacy, ADA)).toThrow(
      /not bound to its email: the record was changed outside evcred/,
    );
    const bound = v.bindLegacySeal(legacy, ADA)?.sealed;
    expect(bound?.[0]).toBe(2);
    expect(v.open(bound ?? Buffer.alloc(0), ADA)).toBe(CODE);
    expect(() => v.open(bound ?? Buffer.alloc(0), { ...ADA, email: "x@example.com" })).toThrow(
      SealMismatchError,
    );
    // A current seal, or one of another attendee, is not re-bound.
    expect(v.bindLegacySeal(v.seal(CODE, ADA), ADA)).toBeUndefined();
    expect(v.bindLegacySeal(legacy, { ...ADA, attendeeId: 3 })).toBeUndefined();
  });

  it("refuses a sealed code under another key, tampered with, or cut short", () => {
    const v = vault();
    const sealed = v.seal(CODE, ADA);
    expect(() => vault().open(sealed, ADA)).toThrow(KeyError);
    const tampered = Buffer.from(sealed);
    tampered[20] = (tampered[20] ?? 0) ^ 1;
    expect(() => v.open(tampered, ADA)).toThrow(/does not open/);
    expect(() => v.open(sealed.subarray(0, 20), ADA)).toThrow("a sealed code is damaged");
  });

  it("never puts the code in an error", () => {
    const v = vault();
    try {
      v.open(v.seal(CODE, ADA), { eventId: 9, attendeeId: 9, email: "x@example.com" });
    } catch (error) {
      expect(String(error)).not.toContain(CODE);
      expect((error as KeyError).hint).not.toContain(CODE);
    }
  });
});

describe("fingerprint", () => {
  it("is equal for an equal event and code", () => {
    const key = randomBytes(32);
    expect(vault(key).fingerprint(1, CODE).equals(vault(key).fingerprint(1, CODE))).toBe(true);
    expect(vault(key).fingerprint(1, CODE)).toHaveLength(32);
  });

  it("differs across events, codes and keys", () => {
    const v = vault();
    const base = v.fingerprint(1, CODE);
    expect(base.equals(v.fingerprint(2, CODE))).toBe(false);
    expect(base.equals(v.fingerprint(1, "K7QM4XHP2X"))).toBe(false);
    expect(base.equals(vault().fingerprint(1, CODE))).toBe(false);
    // "1" + "1ABC…" must not collide with "11" + "ABC…".
    expect(v.fingerprint(1, "1ABCDEFGH").equals(v.fingerprint(11, "ABCDEFGH"))).toBe(false);
  });

  it("gives a key id that is stable and reveals nothing of the key", () => {
    const key = randomBytes(32);
    expect(vault(key).keyId).toBe(vault(key).keyId);
    expect(vault(key).keyId).toMatch(/^[0-9a-f]{12}$/);
    expect(key.toString("hex")).not.toContain(vault(key).keyId);
  });
});

describe("the master key file", () => {
  it("is created with 32 random bytes, mode 0600, in a 0700 folder", () => {
    const b = bench();
    const path = join(b.dir, "config", "evcred", "master.key");
    const v = loadMasterKey(path, { create: true });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(b.dir, "config", "evcred")).mode & 0o777).toBe(0o700);
    const text = readFileSync(path, "utf8");
    expect(text).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(loadMasterKey(path, { create: false }).keyId).toBe(v.keyId);
  });

  it("lives under XDG_CONFIG_HOME, else ~/.config, unless EVCRED_KEY_FILE says where", () => {
    expect(masterKeyPath({ EVCRED_KEY_FILE: "/k/my.key", XDG_CONFIG_HOME: "/x" })).toBe(
      "/k/my.key",
    );
    expect(masterKeyPath({ XDG_CONFIG_HOME: "/x", HOME: "/h" })).toBe("/x/evcred/master.key");
    expect(masterKeyPath({ HOME: "/h" })).toBe("/h/.config/evcred/master.key");
  });

  it("is created by the first command, in the XDG folder", async () => {
    const b = bench();
    const config = join(b.dir, "xdg");
    const result = await b.run(["init", "--json"], {
      env: { EVCRED_KEY_FILE: "", XDG_CONFIG_HOME: config },
    });
    expect(result.code).toBe(0);
    const keyFile = join(config, "evcred", "master.key");
    expect(result.json()).toMatchObject({ keyFile });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(config, "evcred")).mode & 0o777).toBe(0o700);
    expect(result.stdout + result.stderr).not.toContain(readFileSync(keyFile, "utf8").trim());
  });

  it.each([0o640, 0o604, 0o644, 0o660])(
    "is refused when readable by group or others (mode %o), saying how to fix it",
    async (mode) => {
      const b = bench();
      expect((await b.run(["init"])).code).toBe(0);
      const keyFile = b.env.EVCRED_KEY_FILE ?? "";
      chmodSync(keyFile, mode);
      const result = await b.run(["init"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`master key ${keyFile} is readable by others`);
      expect(result.stderr).toContain(`chmod 600 ${keyFile}`);
      expect(() => loadMasterKey(keyFile, { create: false })).toThrow(KeyError);
    },
  );

  it.each([0o755, 0o777, 0o1777, 0o750])(
    "is refused in a folder other users can read or write (mode %o); doctor flags it",
    async (mode) => {
      const b = bench();
      const folder = join(b.dir, "keys");
      const keyFile = join(folder, "master.key");
      const env = { EVCRED_KEY_FILE: keyFile };
      expect((await b.run(["init"], { env })).code).toBe(0);
      expect(statSync(folder).mode & 0o777).toBe(0o700); // as evcred made it
      chmodSync(folder, mode);
      const key = readFileSync(keyFile, "utf8");
      const result = await b.run(["key", "show"], { env });
      expect(result.code).toBe(1);
      const shown = mode.toString(8).padStart(4, "0");
      expect(result.stderr).toContain(
        `error: the master key's folder ${folder} is open to other users (mode ${shown})`,
      );
      expect(result.stderr).toContain(`hint: make it private with: chmod 700 ${folder}`);
      const doctor = await b.run(["doctor", "--json"], { env });
      expect(doctor.code).toBe(1);
      const checks = doctor.json<{ checks: { name: string; ok: boolean; detail: string }[] }>()
        .checks;
      expect(checks.find((c) => c.name === "master key")).toMatchObject({
        ok: false,
        detail: expect.stringContaining("is open to other users") as unknown,
      });
      expect(statSync(folder).mode & 0o7777).toBe(mode);
      expect(readFileSync(keyFile, "utf8")).toBe(key);
    },
  );

  it.each([
    ["too short", randomBytes(31).toString("base64")],
    ["too long", randomBytes(33).toString("base64")],
    ["not base64", "this is not a key at all, just some text!!"],
    ["empty", ""],
    ["hex", randomBytes(32).toString("hex")],
  ])("is refused when %s", (_name, text) => {
    const b = bench();
    const path = b.file("bad.key", text);
    chmodSync(path, 0o600);
    expect(() => loadMasterKey(path, { create: false })).toThrow(
      `master key ${path} is not a valid evcred key (expected 32 bytes, base64)`,
    );
  });

  it("is refused when it is a folder", () => {
    const b = bench();
    const path = join(b.dir, "key-folder");
    mkdirSync(path, { mode: 0o700 });
    expect(() => loadMasterKey(path, { create: true })).toThrow(`master key ${path} is not a file`);
  });
});

describe("a workspace and its key", () => {
  function otherKey(dir: string): { path: string; keyId: string } {
    const path = join(dir, "other.key");
    return { path, keyId: loadMasterKey(path, { create: true }).keyId };
  }

  it("refuses another key, naming both key ids, and writes nothing (import into a new event)", async () => {
    const b = bench();
    const init = await b.run(["init", "--json"]);
    const { keyId } = init.json<{ keyId: string }>();
    const before = await b.snapshot();
    const other = otherKey(b.dir);
    b.file("a.csv", SAMPLE_CSV);
    const result = await b.run(["import", "a.csv", "--event", "summit", "--yes"], {
      env: { EVCRED_KEY_FILE: other.path },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `the master key ${other.path} (id ${other.keyId}) is not this workspace's key (id ${keyId})`,
    );
    expect(result.stderr).toContain("hint: set EVCRED_KEY_FILE to the key file this workspace");
    expect(await b.snapshot()).toEqual(before);
  });

  it("refuses another key for an event that exists, and writes nothing", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    expect((await b.run(["import", "a.csv", "--event", "summit", "--yes"])).code).toBe(0);
    const before = await b.snapshot();
    const other = otherKey(b.dir);
    b.file("b.csv", "email\nnew@example.com\n");
    const result = await b.run(["import", "b.csv", "--event", "summit"], {
      env: { EVCRED_KEY_FILE: other.path },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`(id ${other.keyId}) is not this workspace's key`);
    expect(await b.snapshot()).toEqual(before);
    expect((await b.run(["init"], { env: { EVCRED_KEY_FILE: other.path } })).code).toBe(1);
    expect(await b.snapshot()).toEqual(before);
  });

  it("does not create a key for a workspace that has one recorded", async () => {
    const b = bench();
    await b.run(["init"]);
    const before = await b.snapshot();
    const missing = join(b.dir, "nowhere", "master.key");
    b.file("a.csv", SAMPLE_CSV);
    const result = await b.run(["import", "a.csv", "--event", "summit", "--yes"], {
      env: { EVCRED_KEY_FILE: missing },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no master key at ${missing}`);
    expect(existsSync(missing)).toBe(false);
    expect(await b.snapshot()).toEqual(before);
  });
});

describe("argon2id hashes", () => {
  it("stores a keyed PHC string, bound to its attendee, that verifies the code however it is typed", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "summit", "--yes"]);
    const code = await b.codeOf("ada@example.com");
    const ws = await b.open();
    try {
      const row = sqliteOf(ws)
        .sqlite.prepare(
          "SELECT id, event_id AS eventId, code_hash AS hash FROM attendees WHERE email = ?",
        )
        .get("ada@example.com") as { id: number; eventId: number; hash: string };
      const { hash } = row;
      const owner = { eventId: row.eventId, attendeeId: row.id, email: "ada@example.com" };
      const v = await ws.vault();
      expect(hash).toMatch(
        /^\$evk1\$[A-Za-z0-9+/]{43}\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/,
      );
      expect(hash).not.toContain(code);
      for (const typed of [code, groupCode(code).toLowerCase(), ` ${groupCode(code)} `]) {
        expect(await v.verifyCode(hash, normalizeCode(typed), owner)).toBe("ok");
      }
      expect(await v.verifyCode(hash, code.toLowerCase(), owner)).toBe("wrong");
      const other = (code.startsWith("2") ? "3" : "2") + code.slice(1);
      expect(await v.verifyCode(hash, other, owner)).toBe("wrong");
      expect(await v.verifyCode("not a hash", code, owner)).toBe("wrong");
      // Keyed: argon2 without the key's secret does not verify it, and another key does not.
      const phc = hash.replace(/^\$evk1\$[^$]+/, "");
      expect(await verifyCode(phc, code)).toBe(false);
      expect(await vault().verifyCode(hash, code, owner)).toBe("wrong");
      // Bound: the same hash on another attendee's row does not verify.
      expect(await v.verifyCode(hash, code, { ...owner, attendeeId: row.id + 1 })).toBe("wrong");
      // Nor on this row with another email: the login it would grant is that email's.
      expect(await v.verifyCode(hash, code, { ...owner, email: "bob@example.com" })).toBe("wrong");
      const moved = v.rebindHash(hash, owner, { ...owner, email: "bob@example.com" });
      expect(await v.verifyCode(moved, code, { ...owner, email: "bob@example.com" })).toBe("ok");
      expect(await v.verifyCode(moved, code, owner)).toBe("wrong");
    } finally {
      void ws.close();
    }
  });

  it("cannot be written for a known code without the key", async () => {
    const v = vault();
    const owner = { ...ADA };
    // What a database writer could store: a plain argon2id hash of a string they know.
    const forged = await hashCode(CODE, FAST);
    expect(await v.verifyCode(forged, CODE, owner)).toBe("wrong");
    expect(await v.verifyCode(forged, CODE, owner, v.seal("K7QM4XHP2X", owner))).toBe("wrong");
    // With a binding made up, or one copied from another attendee's keyed hash.
    const keyed = v.bindHash(await v.hashCode(CODE, FAST), { ...ADA, attendeeId: 3 });
    expect(await v.verifyCode(keyed, CODE, owner)).toBe("wrong");
    expect(await v.verifyCode(`$evk1$${"A".repeat(43)}${forged}`, CODE, owner)).toBe("wrong");
  });

  it("still verifies a hash made before hashes were keyed, when the sealed copy confirms it", async () => {
    const v = vault();
    const legacy = await hashCode(CODE, FAST);
    const sealed = v.seal(CODE, ADA);
    expect(await v.verifyCode(legacy, CODE, ADA, sealed)).toBe("ok-legacy");
    expect(await v.verifyCode(legacy, "K7QM4XHP2X", ADA, sealed)).toBe("wrong");
    // The seal of another email (a redirected row) confirms nothing.
    expect(await v.verifyCode(legacy, CODE, { ...ADA, email: "x@example.com" }, sealed)).toBe(
      "wrong",
    );
  });

  it("keeps verifying under a rotated key that adopted the hash key", async () => {
    const before = vault();
    const hash = before.bindHash(await before.hashCode(CODE, FAST), ADA);
    const after = vault();
    expect(await after.verifyCode(hash, CODE, ADA)).toBe("wrong");
    after.adoptHashKey(before.sealHashKeyFor(after));
    expect(await after.verifyCode(hash, CODE, ADA)).toBe("ok");
    expect(() => {
      vault().adoptHashKey(before.sealHashKeyFor(after));
    }).toThrow(KeyError);
  });

  it("keys and binds the decoy hash like any other", async () => {
    const v = vault();
    const decoy = v.bindHash(await v.hashCode(CODE, FAST), DECOY_OWNER);
    expect(Vault.isKeyedHash(decoy)).toBe(true);
    expect(await v.verifyCode(decoy, CODE, DECOY_OWNER)).toBe("ok");
  });

  it("uses OWASP parameters unless EVCRED_ARGON2 says otherwise", async () => {
    expect(hashParamsFrom({})).toEqual({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    expect(hashParamsFrom({})).toEqual(OWASP_PARAMS);
    expect(hashParamsFrom({ EVCRED_ARGON2: "m=2048, t=3, p=2" })).toEqual({
      memoryCost: 2048,
      timeCost: 3,
      parallelism: 2,
    });
    expect(await hashCode(CODE, hashParamsFrom({ EVCRED_ARGON2: "t=1,m=1024" }))).toMatch(
      /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/,
    );
  });

  it.each(["m=512", "t=0", "p=17", "x=1", "m=abc", "m"])(
    "refuses EVCRED_ARGON2=%s as a usage error",
    (spec) => {
      expect(() => hashParamsFrom({ EVCRED_ARGON2: spec })).toThrow(UsageError);
      expect(() => hashParamsFrom({ EVCRED_ARGON2: spec })).toThrow(`"${spec}"`);
    },
  );

  it("hashes many in parallel, keeping the order", async () => {
    const codes = ["AAAAAAAA", "BBBBBBBB", "CCCCCCCC", "DDDDDDDD", "EEEEEEEE"];
    let done = 0;
    const hashes = await hashMany(codes, FAST, 3, () => done++);
    expect(done).toBe(5);
    for (const [i, hash] of hashes.entries()) {
      expect(await verifyCode(hash, codes[i] ?? "")).toBe(true);
    }
    expect(await hashMany([], FAST, 4)).toEqual([]);
  });
});
