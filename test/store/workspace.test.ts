import Database from "better-sqlite3";
import { readMigrationFiles } from "drizzle-orm/migrator";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { describe, expect, it } from "vitest";
import { groupCode } from "../../src/domain/codes.js";
import { openSqliteWorkspace } from "../../src/store/workspace.js";
import { benchPerTest, type TestBench } from "../helpers/workspace.js";
import { sqliteOf } from "../helpers/sqlite.js";

const bench = benchPerTest();
const MIGRATIONS = new URL("../../src/store/migrations", import.meta.url).pathname;

function open(b: TestBench, path = b.dbPath) {
  return openSqliteWorkspace({ path, keyPath: b.env.EVCRED_KEY_FILE ?? "" });
}

describe("opening a workspace", () => {
  it("creates the file with mode 0600, in WAL mode, with a busy timeout", async () => {
    const b = bench();
    expect((await b.run(["init"])).code).toBe(0);
    expect(statSync(b.dbPath).mode & 0o777).toBe(0o600);
    const ws = open(b);
    try {
      expect(sqliteOf(ws).sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(sqliteOf(ws).sqlite.pragma("busy_timeout", { simple: true })).toBe(5_000);
      expect(sqliteOf(ws).sqlite.pragma("foreign_keys", { simple: true })).toBe(1);
      await ws.setMeta("probe", "x");
      // The write-ahead log holds the same data as the file: it must be as private.
      expect(statSync(`${b.dbPath}-wal`).mode & 0o777).toBe(0o600);
    } finally {
      void ws.close();
    }
  });

  it("applies the migrations once, however often it is opened", () => {
    const b = bench();
    const tables = () => {
      const ws = open(b);
      try {
        return {
          tables: sqliteOf(ws)
            .sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .all(),
          migrations: sqliteOf(ws).sqlite.prepare("SELECT hash FROM __drizzle_migrations").all(),
        };
      } finally {
        void ws.close();
      }
    };
    const first = tables();
    expect(first.migrations).toHaveLength(
      readMigrationFiles({ migrationsFolder: MIGRATIONS }).length,
    );
    expect(first.tables).toEqual(
      expect.arrayContaining(
        ["meta", "events", "attendees", "action_links", "deliveries", "logins", "audit_log"].map(
          (name) => ({ name }),
        ),
      ),
    );
    expect(tables()).toEqual(first);
  });

  it("uses --db, else EVCRED_DB, relative to the working directory", async () => {
    const b = bench();
    mkdirSync(b.path("sub"));
    expect((await b.run(["--db", "sub/flag.db", "init"])).code).toBe(0);
    expect(existsSync(b.path("sub/flag.db"))).toBe(true);
    expect((await b.run(["init"], { env: { EVCRED_DB: "sub/env.db" } })).code).toBe(0);
    expect(existsSync(b.path("sub/env.db"))).toBe(true);
    expect(existsSync(b.dbPath)).toBe(false);
  });

  it("refuses a workspace written by a newer evcred, without touching it", async () => {
    const b = bench();
    await b.run(["init"]);
    const raw = new Database(b.dbPath);
    raw
      .prepare("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('future', ?)")
      .run(Date.now() + 10 * 365 * 24 * 3600 * 1000);
    raw.close();
    const before = await b.snapshot();
    const result = await b.run(["event", "list"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`the workspace ${b.dbPath} was written by a newer evcred`);
    expect(await b.snapshot()).toEqual(before);
  });
});

/*
 * A --db that is not a workspace is a bad input (SPEC: exit 2, "usage or input error, nothing
 * changed"), like an import file that is not a CSV; exit 1 stays for failures with a right
 * input (a newer workspace, a wrong key, a disk error).
 */
describe("a --db that is not a workspace", () => {
  function unchanged(b: TestBench, name: string, bytes: Buffer) {
    const path = b.path(name);
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(readdirSync(b.dir).filter((f) => f.startsWith(name))).toEqual([name]);
  }

  it("refuses a text file (exit 2), naming it, and writes nothing to it", async () => {
    const b = bench();
    const bytes = Buffer.from("email,name\nada@example.com,Ada\n".repeat(50));
    b.file("attendees.csv", bytes);
    const result = await b.run(["--db", "attendees.csv", "event", "list"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      `cannot open the workspace ${b.path("attendees.csv")}: file is not a database`,
    );
    expect(result.stderr).toContain("hint: is --db pointing at an evcred workspace?");
    unchanged(b, "attendees.csv", bytes);
  });

  it("refuses random bytes the same way", async () => {
    const b = bench();
    const bytes = Buffer.alloc(8192, 0xa5);
    b.file("noise.db", bytes);
    const result = await b.run(["--db", "noise.db", "init"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(b.path("noise.db"));
    unchanged(b, "noise.db", bytes);
  });

  it("leaves another program's SQLite database untouched (no tables added, no WAL)", async () => {
    const b = bench();
    const other = new Database(b.path("app.sqlite"));
    other.exec(
      "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('x');",
    );
    other.close();
    const bytes = readFileSync(b.path("app.sqlite"));
    const result = await b.run(["--db", "app.sqlite", "init"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${b.path("app.sqlite")} is a SQLite database, but not an evcred workspace`,
    );
    unchanged(b, "app.sqlite", bytes);
  });

  it("refuses a folder that does not exist, creating nothing", async () => {
    const b = bench();
    const result = await b.run(["--db", "nowhere/evcred.db", "init"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`folder ${b.path("nowhere")} does not exist`);
    expect(result.stderr).toContain("--db / EVCRED_DB");
    expect(existsSync(b.path("nowhere"))).toBe(false);
    expect(existsSync(b.env.EVCRED_KEY_FILE ?? "")).toBe(false);
  });

  it("reads an empty file as a new workspace", async () => {
    const b = bench();
    writeFileSync(b.dbPath, "", { mode: 0o600 });
    expect((await b.run(["init"])).code).toBe(0);
    expect(await b.snapshot()).toHaveProperty("attendees");
  });

  it.each([0o644, 0o640])(
    "refuses a workspace file others may read (mode %o), and doctor flags it",
    async (mode) => {
      const b = bench();
      expect((await b.run(["init"])).code).toBe(0);
      chmodSync(b.dbPath, mode);
      const before = readFileSync(b.dbPath);
      const r = await b.run(["event", "list"]);
      expect(r.code).toBe(1);
      const shown = mode.toString(8).padStart(4, "0");
      expect(r.stderr).toContain(
        `error: the workspace file ${b.dbPath} is open to other users (mode ${shown}), and it holds every attendee and sealed code; nothing was changed`,
      );
      expect(r.stderr).toContain(`hint: make it private: chmod 600 ${b.dbPath}*`);
      const doctor = await b.run(["doctor", "--json"]);
      expect(doctor.code).toBe(1);
      expect(doctor.json<{ checks: { name: string; ok: boolean }[] }>().checks[0]).toMatchObject({
        name: "workspace",
        ok: false,
      });
      expect(readFileSync(b.dbPath)).toEqual(before);
      expect(statSync(b.dbPath).mode & 0o777).toBe(mode);
    },
  );
});

describe("the privacy promise, byte by byte", () => {
  it("leaves no code in the database file nor its write-ahead log", async () => {
    const b = bench();
    expect((await b.run(["init"])).code).toBe(0);
    // A second connection keeps the WAL alive: the last one to close would fold it into the file.
    const keeper = new Database(b.dbPath);
    try {
      keeper.prepare("SELECT count(*) FROM events").get();
      const rows = ["email,first_name,last_name,company"];
      for (let i = 0; i < 200; i++) rows.push(`person${i}@example.com,First${i},Last${i},Co ${i}`);
      b.file("a.csv", rows.join("\n"));
      const result = await b.run(["import", "a.csv", "--event", "summit", "--yes", "--json"]);
      expect(result.code).toBe(0);
      expect(result.json()).toMatchObject({ new: 200 });
      // A second event gives the same people other codes.
      expect((await b.run(["import", "a.csv", "--event", "expo", "--yes"])).code).toBe(0);

      const codes: string[] = [];
      for (let i = 0; i < 200; i++) {
        codes.push(await b.codeOf(`person${i}@example.com`, "summit"));
        codes.push(await b.codeOf(`person${i}@example.com`, "expo"));
      }
      expect(new Set(codes).size).toBe(400);

      const files = [b.dbPath, `${b.dbPath}-wal`, `${b.dbPath}-shm`].filter((f) => existsSync(f));
      expect(files).toContain(`${b.dbPath}-wal`);
      const wal = readFileSync(`${b.dbPath}-wal`);
      // The search works: what is stored in the clear is found in the WAL.
      expect(wal.includes(Buffer.from("person199@example.com"))).toBe(true);
      const contents = files.map((f) => readFileSync(f));
      for (const code of codes) {
        for (const text of [
          code,
          groupCode(code),
          code.toLowerCase(),
          groupCode(code).toLowerCase(),
        ]) {
          const needles = [
            Buffer.from(text, "utf8"),
            Buffer.from(text, "utf16le"),
            Buffer.from(text, "utf16le").swap16(),
          ];
          for (const [i, bytes] of contents.entries()) {
            for (const needle of needles) {
              expect(bytes.includes(needle), `${text} in ${files[i] ?? ""}`).toBe(false);
            }
          }
        }
      }
      for (const text of b.transcript) for (const code of codes) expect(text).not.toContain(code);
    } finally {
      keeper.close();
    }
  });
});
