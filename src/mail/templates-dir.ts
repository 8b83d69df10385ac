/**
 * The workspace's own templates folder, a setting resolved once (by the CLI's context, which
 * `serve` and every command share) and passed in as a `TemplatesDir`: the domain and the app
 * layer never read the environment. `EVCRED_TEMPLATES` when set (a relative path is taken from
 * the working directory), else the default for where the workspace is.
 */
import { join, resolve } from "node:path";

export interface TemplatesDir {
  /** Absolute. */
  readonly path: string;
  /** How messages name it: `templates` for the default, else the folder's absolute path. */
  readonly shown: string;
  /** The setting that named it (`EVCRED_TEMPLATES`); undefined for the default folder. */
  readonly setting: "EVCRED_TEMPLATES" | undefined;
}

/** Where a workspace is, as far as its default templates folder cares. */
export type WorkspaceLocation =
  | { kind: "sqlite"; file: string }
  /** A database server: nothing on disk to sit beside, so the working directory's folder. */
  | { kind: "postgres"; cwd: string };

/** `templates/` beside a SQLite workspace file; `./templates` for a PostgreSQL workspace. */
export function defaultTemplatesDir(location: WorkspaceLocation): TemplatesDir {
  const base = location.kind === "sqlite" ? join(location.file, "..") : location.cwd;
  return { path: resolve(base, "templates"), shown: "templates", setting: undefined };
}

/** `EVCRED_TEMPLATES` (empty counts as unset) against `cwd`, else the default. */
export function resolveTemplatesDir(options: {
  setting: string | undefined;
  cwd: string;
  location: WorkspaceLocation;
}): TemplatesDir {
  if (!options.setting) return defaultTemplatesDir(options.location);
  const path = resolve(options.cwd, options.setting);
  return { path, shown: path, setting: "EVCRED_TEMPLATES" };
}

/** A file of the folder as messages name it: `templates/NAME.eta`, or its absolute path. */
export function shownIn(dir: TemplatesDir, ...parts: string[]): string {
  return join(dir.shown, ...parts);
}
