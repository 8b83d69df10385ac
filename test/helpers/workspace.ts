/**
 * The in-process test bench: a temp folder with its own workspace and key, the real command
 * layer (`main`) with captured output, a fixed clock and scripted answers to prompts.
 */
import Database from "better-sqlite3";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, afterEach, beforeAll, beforeEach, it } from "vitest";
import { createContext, type Io } from "../../src/context.js";
import { openCode } from "./codes.js";
import { main } from "../../src/main.js";
import type { Choice, Prompter } from "../../src/render/prompter.js";
import { openWorkspace, type Workspace } from "../../src/store/workspace.js";
import { postgresTarget } from "../../src/store/postgres/url.js";
import { defaultTemplatesDir, type TemplatesDir } from "../../src/mail/templates-dir.js";
import { lookAt } from "./look.js";
import {
  cloneTestDatabase,
  createNamedDatabase,
  dropTestDatabase,
  type NamedDatabase,
} from "./postgres.js";

/** The program's module: the commands it names are relative to it. */
const MAIN = new URL("../../src/main.ts", import.meta.url);

/**
 * The dialect the benches' workspaces are on: SQLite (a file in the bench folder), or, under
 * EVCRED_TEST_DIALECT=postgres (the "postgres" project of vitest.config.ts), a database of the
 * test cluster made for each test. The commands find it through EVCRED_DB, as a user's would.
 */
export const TEST_DIALECT: "sqlite" | "postgres" =
  process.env.EVCRED_TEST_DIALECT === "postgres" ? "postgres" : "sqlite";

/** A test of what only a SQLite workspace has (its file): skipped in the PostgreSQL run. */
export const itOnSqlite = it.skipIf(TEST_DIALECT === "postgres");

/** The default templates folder of a SQLite workspace in `dir`: `dir/templates`. */
export function templatesIn(dir: string): TemplatesDir {
  return defaultTemplatesDir({ kind: "sqlite", file: join(dir, "evcred.db") });
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as the one JSON document it must be. */
  json<T = Record<string, unknown>>(): T;
}

export interface RunOptions {
  /** Pretend both ends are a terminal, so prompts are allowed. */
  tty?: boolean;
  /** Answers for the prompts, in order. */
  answers?: unknown[];
  env?: NodeJS.ProcessEnv;
  /** The terminal's width, with `tty` (tables fit it). */
  columns?: number;
  /** What the command reads on stdin (then it ends); nothing, and stdin stays open and silent. */
  stdin?: string;
  /** Aborted to simulate Ctrl-C for commands that take interrupts. */
  interrupt?: AbortSignal;
}

/** Fast argon2 parameters: real argon2id, sized for a test suite. */
export const TEST_ARGON2 = "m=1024,t=1,p=1";

export class TestBench {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  now = new Date("2026-05-04T09:00:00.000Z");
  /** Every question a prompt asked, in order. */
  readonly questions: string[] = [];
  /** Every stdout and stderr text any run produced: the privacy tests search it. */
  readonly transcript: string[] = [];

  constructor(env: NodeJS.ProcessEnv = {}) {
    this.dir = mkdtempSync(join(tmpdir(), "evcred-test-"));
    this.env = {
      HOME: this.dir,
      EVCRED_KEY_FILE: join(this.dir, "master.key"),
      EVCRED_ARGON2: TEST_ARGON2,
      EVCRED_ACTOR: "tester",
      NO_COLOR: "1",
      ...env,
    };
  }

  /**
   * The workspace's SQLite file (with the SQLite dialect): for tests of what only a file has
   * (its permissions, its pages); `db` names the workspace on either dialect.
   */
  get dbPath(): string {
    return join(this.dir, "evcred.db");
  }

  /** Where the workspace is: the SQLite file, or the PostgreSQL URL the commands are given. */
  get db(): string {
    return this.env.EVCRED_DB ?? this.dbPath;
  }

  /** The workspace as evcred names it in its output: the file, or host:port/database. */
  get shownWorkspace(): string {
    return this.env.EVCRED_DB ? postgresTarget(this.env.EVCRED_DB) : this.dbPath;
  }

  /** With the PostgreSQL dialect, this bench's own database (cleanup drops it). */
  #database: NamedDatabase | undefined;

  /** A bench on the suite's dialect: with PostgreSQL, on a fresh database cloned from `template`. */
  static async create(env: NodeJS.ProcessEnv = {}, template?: string): Promise<TestBench> {
    const bench = new TestBench(env);
    if (TEST_DIALECT === "postgres" && env.EVCRED_DB === undefined) {
      bench.#database = template ? await cloneTestDatabase(template) : await createNamedDatabase();
      bench.env.EVCRED_DB = bench.#database.url;
    }
    return bench;
  }

  /** The default templates folder: `templates/` beside the bench's workspace. */
  get templatesDir(): TemplatesDir {
    return templatesIn(this.dir);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Writes a file into the bench folder and returns its path. */
  file(name: string, content: string | Buffer): string {
    const path = this.path(name);
    // Writable by the owner only, whatever the umask: evcred refuses templates others can change.
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    writeFileSync(path, content, { mode: 0o644 });
    return path;
  }

  read(name: string): string {
    return readFileSync(this.path(name), "utf8");
  }

  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }

  /** Runs `evcred ARGV` in-process against this bench's workspace. */
  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const stdout = capture();
    const stderr = capture();
    const tty = options.tty ?? false;
    const io: Io = {
      stdout,
      stderr,
      stdin: stdinOf(options.stdin),
      stdinIsTTY: tty,
      stdoutIsTTY: tty,
      stderrIsTTY: tty,
      stdoutColumns: tty ? options.columns : undefined,
    };
    const env = { ...this.env, ...options.env };
    const prompter = new ScriptedPrompter(options.answers ?? [], this.questions);
    const code = await main(argv, {
      io,
      env,
      importModule: (specifier) => import(/* @vite-ignore */ new URL(specifier, MAIN).href),
      createContext: (globals) =>
        Promise.resolve(
          createContext({
            io,
            env,
            cwd: this.dir,
            options: globals,
            prompter,
            now: () => this.now,
            takeInterrupts: () => options.interrupt ?? new AbortController().signal,
          }),
        ),
    });
    const out = stdout.text();
    const err = stderr.text();
    this.transcript.push(out, err);
    return {
      code,
      stdout: out,
      stderr: err,
      json<T>() {
        return JSON.parse(out) as T;
      },
    };
  }

  /**
   * Makes this bench a copy of `seed`: its folder (key, templates, files) and its workspace (the
   * SQLite file in the folder, or with PostgreSQL a database cloned from the seed's).
   */
  async copyFrom(seed: TestBench): Promise<void> {
    cpSync(seed.dir, this.dir, { recursive: true });
    if (!seed.#database || !this.#database) return;
    await dropTestDatabase(this.#database);
    this.#database = await cloneTestDatabase(seed.#database.name);
    this.env.EVCRED_DB = this.#database.url;
  }

  /** Opens the workspace directly (the vault's own API), for checks a command cannot make. */
  open(): Promise<Workspace> {
    return openWorkspace({ path: this.db, keyPath: this.env.EVCRED_KEY_FILE ?? "" });
  }

  /** Every row of every table, to assert that a failed command changed nothing. */
  async snapshot(): Promise<Record<string, unknown[]>> {
    if (this.#database) {
      const tables = await lookAt<{ name: string }>(
        this.db,
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
      );
      const all: Record<string, unknown[]> = {};
      // Ordered by the first column (the id): the rows as written, whatever their heap order;
      // booleans as SQLite gives them (1 and 0), so that a test reads one shape on both.
      for (const t of tables) {
        const rows = await lookAt<Record<string, unknown>>(
          this.db,
          `SELECT * FROM "${t.name}" ORDER BY 1`,
        );
        all[t.name] = rows.map((row) =>
          Object.fromEntries(
            Object.entries(row).map(([k, v]) => [k, typeof v === "boolean" ? Number(v) : v]),
          ),
        );
      }
      return all;
    }
    const db = new Database(this.dbPath, { readonly: true, fileMustExist: false });
    try {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .all() as { name: string }[];
      return Object.fromEntries(
        tables.map((t) => [t.name, db.prepare(`SELECT * FROM "${t.name}"`).all()]),
      );
    } finally {
      db.close();
    }
  }

  /** The plain code of an attendee, opened through the vault: what only the mailer may do. */
  codeOf(email: string, eventSlug?: string): Promise<string> {
    // One at a time (each is a connection of its own on PostgreSQL): a test may ask for
    // hundreds at once.
    const next = this.#codes.then(() =>
      openCode(this.db, this.env.EVCRED_KEY_FILE ?? "", email, eventSlug),
    );
    this.#codes = next.catch(() => undefined);
    return next;
  }

  #codes: Promise<unknown> = Promise.resolve();

  async cleanup(): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
    if (this.#database) await dropTestDatabase(this.#database);
    this.#database = undefined;
  }
}

function stdinOf(text: string | undefined): NodeJS.ReadableStream {
  const stream = new PassThrough();
  if (text !== undefined) stream.end(text);
  return stream;
}

function capture(): { write(chunk: string): boolean; text(): string } {
  const chunks: string[] = [];
  return {
    write(chunk: string) {
      chunks.push(chunk);
      return true;
    },
    text: () => chunks.join(""),
  };
}

/** Answers prompts from a list; a prompt with no answer left fails the test loudly. */
export class ScriptedPrompter implements Prompter {
  readonly #answers: unknown[];
  readonly #questions: string[];

  constructor(answers: unknown[], questions: string[]) {
    this.#answers = [...answers];
    this.#questions = questions;
  }

  #next<T>(message: string): T {
    this.#questions.push(message);
    if (this.#answers.length === 0) throw new Error(`unexpected prompt: ${message}`);
    return this.#answers.shift() as T;
  }

  confirm(message: string): Promise<boolean> {
    return Promise.resolve(this.#next<boolean>(message));
  }

  input(message: string, validate?: (value: string) => string | true): Promise<string> {
    const value = this.#next<string>(message);
    const verdict = validate?.(value) ?? true;
    if (verdict !== true) throw new Error(`scripted answer "${value}" refused: ${verdict}`);
    return Promise.resolve(value);
  }

  password(message: string): Promise<string> {
    return Promise.resolve(this.#next<string>(message));
  }

  select<T>(message: string, choices: readonly Choice<T>[]): Promise<T> {
    const answer = this.#next<T>(message);
    if (!choices.some((c) => c.value === answer))
      throw new Error(`"${String(answer)}" is not a choice of: ${message}`);
    return Promise.resolve(answer);
  }

  async search<T>(
    message: string,
    source: (term: string) => Promise<readonly Choice<T>[]>,
  ): Promise<T> {
    // The scripted answer is the search term; the first match is chosen, as a user pressing Enter.
    const term = this.#next<string>(message);
    const [first] = await source(term);
    if (!first) throw new Error(`no match for "${term}" in: ${message}`);
    return first.value;
  }
}

/** A fresh bench for every test of the file, removed after it. */
export function benchPerTest(env?: NodeJS.ProcessEnv): () => TestBench {
  let bench: TestBench | undefined;
  // With PostgreSQL, one migrated database for the file, cloned for each test (much faster
  // than migrating each one).
  let template: NamedDatabase | undefined;
  beforeAll(async () => {
    if (TEST_DIALECT === "postgres") template = await createNamedDatabase();
  });
  afterAll(async () => {
    if (template) await dropTestDatabase(template);
  });
  beforeEach(async () => {
    bench = await TestBench.create(env, template?.name);
  });
  afterEach(async () => {
    await bench?.cleanup();
    bench = undefined;
  });
  return () => {
    if (!bench) throw new Error("benchPerTest() is used outside a test");
    return bench;
  };
}

export const SAMPLE_CSV = `email,first_name,last_name,company
ada@example.com,Ada,Lovelace,Analytical Engines
grace@example.com,Grace,Hopper,US Navy
alan@example.com,Alan,Turing,Bletchley Park
`;
