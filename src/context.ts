/**
 * What a command may touch. Commands never read `process` or `console`: they get a Context, real
 * here, captured in tests (`test/helpers/context.ts`).
 */
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { resolve } from "node:path";
import { resolveTemplatesDir, type TemplatesDir } from "./mail/templates-dir.js";
import { isPostgresUrl, postgresTarget } from "./store/postgres/url.js";
import type { Workspace } from "./store/workspace.js";
import { Output } from "./render/output.js";
import { InquirerPrompter, type Prompter } from "./render/prompter.js";
import { createTheme, type Theme } from "./render/theme.js";
import { masterKeyPath } from "./vault/master-key.js";

export interface Writer {
  write(chunk: string): unknown;
}

export interface Io {
  stdout: Writer;
  stderr: Writer;
  stdin: NodeJS.ReadableStream;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  /** The terminal's width when stdout is one (tables fit it); read at each use, as it resizes. */
  readonly stdoutColumns?: number | undefined;
  stderrIsTTY: boolean;
}

/** The options every command accepts, parsed once by `main.ts`. */
export interface GlobalOptions {
  db: string | undefined;
  event: string | undefined;
  json: boolean;
  yes: boolean;
  color: boolean;
  debug: boolean;
}

export interface Context {
  readonly io: Io;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly options: GlobalOptions;
  readonly theme: Theme;
  readonly out: Output;
  readonly prompter: Prompter;
  /** Who is acting, for the audit log: `EVCRED_ACTOR`, else the OS user. */
  readonly actor: string;
  /**
   * Takes over Ctrl-C: the returned signal aborts on the first one, and the command finishes what
   * is in flight before it stops. A command that never calls this is ended by Ctrl-C at once.
   */
  takeInterrupts(): AbortSignal;
  now(): Date;
  /** A question may be asked: there is a terminal on both ends. */
  canPrompt(): boolean;
  /**
   * The workspace, opened (and migrated) on first use. Only commands that build one pass
   * `create` (init, event create, import); for every other a missing workspace is an error.
   */
  workspace(options?: { create?: boolean }): Promise<Workspace>;
  /** The workspace if there is one, else undefined (for commands that can do without). */
  existingWorkspace(): Promise<Workspace | undefined>;
  /** Where the workspace is (or would be), for errors about it. */
  readonly workspacePath: string;
  /**
   * The workspace's own templates folder, resolved once: `EVCRED_TEMPLATES` (from the working
   * directory), else `templates/` beside the workspace file. Not checked here: a command that
   * reads it refuses one that is missing or a file (templates.ts `assertTemplatesDir`).
   */
  readonly templatesDir: TemplatesDir;
  /** Resolves a path the user gave against the working directory. */
  path(p: string): string;
  close(): Promise<void>;
}

export interface ContextParts {
  io: Io;
  env: NodeJS.ProcessEnv;
  cwd: string;
  options: GlobalOptions;
  prompter?: Prompter;
  now?: () => Date;
  takeInterrupts?: () => AbortSignal;
}

export function createContext(parts: ContextParts): Context {
  const { io, env, cwd, options } = parts;
  const theme = createTheme({
    color: options.color && !("NO_COLOR" in env) && io.stderrIsTTY,
  });
  const out = new Output(io, theme, options.json);
  let workspace: Workspace | undefined;
  // A postgres:// --db is opened as the URL it is and named by its host and database only: a
  // URL taken for a file path would put its password into every message. (Its workspacePath
  // stays a file path in the working directory: the folder beside it is the templates' folder,
  // `./templates`, as the spec has it for PostgreSQL.)
  const postgresUrl =
    options.db !== undefined && isPostgresUrl(options.db) ? options.db : undefined;
  const postgres = postgresUrl === undefined ? undefined : postgresTarget(postgresUrl);
  const workspacePath = resolve(
    cwd,
    postgres === undefined ? (options.db ?? "evcred.db") : "evcred.db",
  );
  const templatesDir = resolveTemplatesDir({
    setting: env.EVCRED_TEMPLATES,
    cwd,
    location:
      postgres === undefined ? { kind: "sqlite", file: workspacePath } : { kind: "postgres", cwd },
  });
  const openOnce = async (create: boolean): Promise<Workspace> => {
    if (!workspace) {
      const { openWorkspace } = await import("./store/workspace.js");
      workspace = await openWorkspace({
        path: postgresUrl ?? workspacePath,
        keyPath: resolve(cwd, masterKeyPath(env)),
        mustExist: !create,
      });
    }
    return workspace;
  };
  return {
    io,
    env,
    cwd,
    options,
    theme,
    out,
    prompter: parts.prompter ?? new InquirerPrompter(io),
    actor: env.EVCRED_ACTOR || safeUser(),
    takeInterrupts: parts.takeInterrupts ?? (() => new AbortController().signal),
    now: parts.now ?? (() => new Date()),
    canPrompt: () => io.stdinIsTTY && io.stderrIsTTY && env.CI !== "true",
    path: (p) => resolve(cwd, p),
    workspacePath,
    templatesDir,
    workspace: (wanted) => openOnce(wanted?.create === true),
    existingWorkspace: async () =>
      workspace || postgres !== undefined || existsSync(workspacePath)
        ? openOnce(false)
        : undefined,
    async close() {
      await workspace?.close();
    },
  };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}
