/**
 * Helpers for the fault tests: real `bin/evcred.cjs` processes that can be killed or interrupted
 * at a moment of the test's choosing, and direct looks into the workspace file afterwards.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, runBin, type SpawnResult } from "./spawn.js";
import { TEST_ARGON2 } from "./workspace.js";
import { inspect, lookAt } from "./look.js";

export { inspect, lookAt };

/** The soak flag: the SIGKILL loops run their full count with EVCRED_SOAK=1. */
export const SOAK = process.env.EVCRED_SOAK === "1";

export interface Sandbox {
  dir: string;
  env: NodeJS.ProcessEnv;
  db: string;
  run(args: readonly string[], options?: { timeoutMs?: number }): Promise<SpawnResult>;
  start(args: readonly string[]): Running;
  remove(): void;
}

export interface Running {
  child: ChildProcessWithoutNullStreams;
  /** Resolves when the process has exited, with what it wrote. */
  done: Promise<SpawnResult>;
}

/** A fresh folder with its own key and cheap argon2, for spawned evcred processes. */
export function sandbox(prefix: string, extra: NodeJS.ProcessEnv = {}): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), `evcred-${prefix}-`));
  const env: NodeJS.ProcessEnv = {
    HOME: dir,
    NO_COLOR: "1",
    EVCRED_KEY_FILE: join(dir, "master.key"),
    EVCRED_ARGON2: TEST_ARGON2,
    EVCRED_ACTOR: "tester",
    ...extra,
  };
  return {
    dir,
    env,
    db: join(dir, "evcred.db"),
    run: (args, options = {}) => runBin(args, { cwd: dir, env, timeoutMs: 60_000, ...options }),
    start: (args) => startBin(args, dir, env),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `bin/evcred.cjs ARGS`, started and left running; `as` runs it as another user (root only). */
export function startBin(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  as: { uid: number; gid: number } | Record<string, never> = {},
): Running {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    stdio: ["pipe", "pipe", "pipe"],
    ...as,
  });
  child.stdin.end();
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const done = new Promise<SpawnResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

export function integrityCheck(dbPath: string): unknown {
  return inspect(dbPath, (db) => db.pragma("integrity_check", { simple: true }));
}

/** `<id@host>` or `id@host` → `id@host`: Message-IDs as evcred records and servers show them. */
export function bareMessageId(id: string | null | undefined): string {
  return (id ?? "").trim().replace(/^<|>$/g, "");
}

/** The Message-IDs of the deliveries the workspace says were sent. */
export function sentMessageIds(dbPath: string): string[] {
  return inspect(dbPath, (db) =>
    (
      db.prepare("SELECT message_id AS id FROM deliveries WHERE status = 'sent'").all() as {
        id: string | null;
      }[]
    ).map((r) => bareMessageId(r.id)),
  );
}

/** A CSV of `count` attendees `person<i>@example.com`. */
export function attendeeCsv(count: number, from = 0): string {
  const rows = ["email,first_name,last_name,company"];
  for (let i = from; i < from + count; i++) rows.push(`person${i}@example.com,P${i},Fault,Co ${i}`);
  return rows.join("\n") + "\n";
}

/**
 * The rows of `sql` (`?` placeholders) in the sandbox's workspace: its SQLite file, or the
 * PostgreSQL database its EVCRED_DB names, for the fault tests that run on both dialects.
 */
export function look<T>(box: Sandbox, sql: string, params: unknown[] = []): Promise<T[]> {
  return lookAt(box.env.EVCRED_DB ?? box.db, sql, params);
}
