/**
 * A workspace or key that is not as evcred left it: a read-only folder or file, garbage in the
 * middle of the database, a database from a newer evcred, a key file that is missing, damaged or
 * of the wrong length. Each time: one clear error naming the file, the exit code of the SPEC,
 * and not one byte written — the database, its folder and the key file are as they were.
 * (test/store/workspace.test.ts covers files that are not workspaces at all; test/vault covers
 * the key file's own checks; these run the commands an organizer would.)
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { attendeeCsv, sandbox, startBin, type Sandbox } from "../helpers/faults.js";
import { BIN, type SpawnResult } from "../helpers/spawn.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();

/** Every file of a folder and its bytes: "nothing written" means this does not change. */
function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    out[name] = statSync(path).isDirectory()
      ? "<folder>"
      : readFileSync(path).toString("base64").slice(0, 64) + `…${statSync(path).size}`;
  }
  return out;
}

function expectSays(result: { stderr: string }, ...parts: string[]): void {
  let rest = result.stderr;
  for (const part of parts) {
    const at = rest.indexOf(part);
    expect(at, `stderr ${JSON.stringify(result.stderr)} should say ${part}`).not.toBe(-1);
    rest = rest.slice(at + part.length);
  }
}

/*
 * Root writes through any mode bits, so a read-only folder means nothing to it: as root the
 * commands run as the unprivileged user `nobody` (uid 65534), which the modes do stop.
 */
const ROOT = process.getuid?.() === 0;
const NOBODY = 65534;
/** Root can only check this when `nobody` may run evcred here (reach node, the repo, dist/). */
const canDropPrivileges =
  !ROOT ||
  spawnSync(process.execPath, [BIN, "--version"], { uid: NOBODY, gid: NOBODY }).status === 0;

function runAsOrganizer(box: Sandbox, args: string[]): Promise<SpawnResult> {
  if (!ROOT) return box.run(args);
  return new Promise((resolve, reject) => {
    const run = startBin(args, box.dir, box.env, { uid: NOBODY, gid: NOBODY });
    run.done.then(resolve, reject);
  });
}

async function readOnlySandbox(): Promise<Sandbox> {
  const box = sandbox("readonly");
  writeFileSync(join(box.dir, "a.csv"), SAMPLE_CSV);
  expect((await box.run(["import", "a.csv", "--event", "ev", "--yes"])).code).toBe(0);
  if (ROOT)
    for (const name of ["", ...readdirSync(box.dir)])
      chownSync(join(box.dir, name), NOBODY, NOBODY);
  return box;
}

if (!canDropPrivileges) {
  it.skip("a read-only workspace: skipped — running as root, which writes through read-only modes, and the user nobody cannot run evcred from this folder", () =>
    undefined);
}

describe.runIf(canDropPrivileges)("a workspace that cannot be written", () => {
  it.each([
    ["event", "list"],
    ["import", "a.csv", "--event", "ev", "--yes"],
    ["send", "--template", "credentials", "--yes"],
    ["verify", "ada@example.com", "K7QM4XHP2W"],
  ])(
    "in a read-only folder: `%s %s` exits 1, names the folder, writes nothing",
    async (...args) => {
      const box = await readOnlySandbox();
      try {
        chmodSync(box.dir, 0o555);
        const before = filesOf(box.dir);
        const result = await runAsOrganizer(box, args);
        expect(result.code, result.stderr).toBe(1);
        expect(result.stdout).toBe("");
        expectSays(
          result,
          `error: cannot write to the workspace ${box.db}: its folder ${box.dir} is read-only (EACCES)`,
          "hint: evcred writes the file and, next to it, its -wal and -shm files",
        );
        expect(filesOf(box.dir)).toEqual(before);
      } finally {
        chmodSync(box.dir, 0o755);
        box.remove();
      }
    },
  );

  it("as a read-only file in a writable folder: exit 1, no -wal or -shm left behind", async () => {
    const box = await readOnlySandbox();
    try {
      chmodSync(box.db, 0o400);
      const before = filesOf(box.dir);
      const result = await runAsOrganizer(box, [
        "import",
        "a.csv",
        "--event",
        "ev",
        "--yes",
        "--json",
      ]);
      expect(result.code, result.stderr).toBe(1);
      expect(JSON.parse(result.stdout)).toMatchObject({
        error: {
          message: `cannot write to the workspace ${box.db}: the file is read-only (EACCES)`,
          exitCode: 1,
        },
      });
      expect(filesOf(box.dir)).toEqual(before);
    } finally {
      box.remove();
    }
  });

  it("a new workspace in a read-only folder: exit 1, nothing created, no key either", async () => {
    const box = sandbox("readonly-new");
    try {
      if (ROOT) chownSync(box.dir, NOBODY, NOBODY);
      chmodSync(box.dir, 0o555);
      const result = await runAsOrganizer(box, ["init"]);
      expect(result.code, result.stderr).toBe(1);
      expectSays(result, `error: cannot create the workspace ${box.db}: EACCES`, "hint:");
      expect(readdirSync(box.dir)).toEqual([]);
    } finally {
      chmodSync(box.dir, 0o755);
      box.remove();
    }
  });
});

/** 300 attendees, then whole pages in the middle of the file overwritten with random bytes. */
async function damaged(b: TestBench): Promise<Buffer> {
  b.file("a.csv", attendeeCsv(300));
  expect((await b.run(["import", "a.csv", "--event", "ev", "--yes"])).code).toBe(0);
  const bytes = readFileSync(b.dbPath);
  const page = 4096;
  const middle = Math.floor(bytes.length / page / 2) * page;
  randomBytes(3 * page).copy(bytes, middle);
  writeFileSync(b.dbPath, bytes);
  return bytes;
}

describe("a damaged database (garbage in the middle of a real workspace)", () => {
  it.each([
    ["event", "list"],
    ["attendees", "list"],
    ["import", "a.csv", "--event", "ev", "--yes"],
    ["send", "--template", "credentials", "--yes"],
    ["verify", "person1@example.com", "K7QM4XHP2W"],
    ["reset-code", "person1@example.com", "--generate", "--yes"],
    ["key", "rotate", "--yes"],
  ])("`%s %s` exits 1 saying the workspace is damaged, and changes nothing", async (...args) => {
    const b = bench();
    const bytes = await damaged(b);
    const files = filesOf(b.dir);
    const result = await b.run(args);
    expect(result.code, result.stderr).toBe(1);
    expectSays(
      result,
      `error: the workspace ${b.dbPath} is damaged (`,
      "nothing was changed",
      "hint: restore it from a backup",
    );
    expect(readFileSync(b.dbPath).equals(bytes)).toBe(true);
    expect(filesOf(b.dir)).toEqual(files);
  });

  it("doctor reports it as a failed check (exit 1) and still checks the rest", async () => {
    const b = bench();
    await damaged(b);
    const result = await b.run(["doctor", "--json"]);
    expect(result.code).toBe(1);
    const { checks } = result.json<{ checks: { name: string; ok: boolean; detail: string }[] }>();
    expect(checks.find((c) => c.name === "workspace")).toMatchObject({
      ok: false,
      detail: expect.stringContaining("is damaged") as unknown,
    });
    expect(checks.find((c) => c.name === "template credentials")).toMatchObject({ ok: true });
  });
});

describe("a workspace written by a newer evcred", () => {
  it.each([
    ["import", "a.csv", "--event", "ev", "--yes"],
    ["send", "--template", "credentials", "--yes"],
    ["key", "rotate", "--yes"],
  ])("`%s %s` (a real process) exits 1 and leaves the file byte for byte", async (...args) => {
    const box = sandbox("newer");
    try {
      writeFileSync(join(box.dir, "a.csv"), SAMPLE_CSV);
      expect((await box.run(["import", "a.csv", "--event", "ev", "--yes"])).code).toBe(0);
      const db = new Database(box.db);
      db.prepare("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('future', ?)").run(
        Date.now() + 365 * 24 * 3600 * 1000,
      );
      db.close();
      const before = filesOf(box.dir);
      const result = await box.run(args);
      expect(result.code).toBe(1);
      expectSays(
        result,
        `error: the workspace ${box.db} was written by a newer evcred`,
        "hint: upgrade evcred",
      );
      expect(filesOf(box.dir)).toEqual(before);
    } finally {
      box.remove();
    }
  });
});

const KEY_FAULTS: [string, (path: string) => void, string][] = [
  ["missing", () => undefined, "error: no master key at KEY"],
  [
    "empty (as a crash while writing it would leave)",
    (p) => {
      writeFileSync(p, "", { mode: 0o600 });
    },
    "error: master key KEY is not a valid evcred key (expected 32 bytes, base64)",
  ],
  [
    "corrupt",
    (p) => {
      writeFileSync(p, "not a key, just some words\n", { mode: 0o600 });
    },
    "error: master key KEY is not a valid evcred key (expected 32 bytes, base64)",
  ],
  [
    "31 bytes long",
    (p) => {
      writeFileSync(p, randomBytes(31).toString("base64") + "\n", { mode: 0o600 });
    },
    "error: master key KEY is not a valid evcred key (expected 32 bytes, base64)",
  ],
  [
    "33 bytes long",
    (p) => {
      writeFileSync(p, randomBytes(33).toString("base64") + "\n", { mode: 0o600 });
    },
    "error: master key KEY is not a valid evcred key (expected 32 bytes, base64)",
  ],
];

const KEY_COMMANDS = [
  ["send", "--template", "credentials", "--yes"],
  ["import", "more.csv", "--event", "ev", "--yes"],
  ["reset-code", "ada@example.com", "--generate", "--yes"],
  ["key", "show"],
  ["key", "rotate", "--yes"],
];

describe("a key file that is missing, damaged or of the wrong length", () => {
  it.each(KEY_FAULTS)(
    "%s: every command that needs it exits 1, naming it, and writes nothing",
    async (_name, spoil, message) => {
      const b = bench();
      b.file("a.csv", SAMPLE_CSV);
      expect((await b.run(["import", "a.csv", "--event", "ev", "--yes"])).code).toBe(0);
      b.file("more.csv", "email\nnew@example.com\n");
      const key = b.path("spoiled.key");
      spoil(key);
      const before = await b.snapshot();
      const files = filesOf(b.dir);
      for (const argv of KEY_COMMANDS) {
        const result = await b.run(argv, { env: { EVCRED_KEY_FILE: key } });
        expect(result.code, `${argv.join(" ")}: ${result.stderr}`).toBe(1);
        expect(result.stderr, argv.join(" ")).toContain(message.replace("KEY", key));
        expect(await b.snapshot(), argv.join(" ")).toEqual(before);
        expect(filesOf(b.dir), argv.join(" ")).toEqual(files);
      }
      expect(existsSync(join(b.dir, "outbox"))).toBe(false);
    },
  );
});
