/**
 * SQLite's own errors met in the middle of a command (the file turned read-only, damaged, full or
 * locked by another process) become one clear WorkspaceError naming the workspace; anything
 * else is left to be reported as it is. The errors here are real ones from better-sqlite3.
 */
import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WorkspaceError } from "../../src/errors.js";
import { storeFailure } from "../../src/store/failures.js";
import { benchPerTest } from "../helpers/workspace.js";

const bench = benchPerTest();

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("storeFailure", () => {
  it("a write to a read-only database: cannot write to the workspace, exit 1", () => {
    const b = bench();
    const path = join(b.dir, "w.db");
    new Database(path).exec("CREATE TABLE t (x)").close();
    const readonly = new Database(path, { readonly: true });
    try {
      const error = thrown(() => readonly.exec("INSERT INTO t VALUES (1)"));
      expect((error as { code?: string }).code).toBe("SQLITE_READONLY");
      const failure = storeFailure(error, path);
      expect(failure).toBeInstanceOf(WorkspaceError);
      expect(failure?.message).toBe(
        `cannot write to the workspace ${path}: attempt to write a readonly database`,
      );
      expect(failure?.exitCode).toBe(1);
      expect(failure?.hint).toContain("make the file and its folder writable");
    } finally {
      readonly.close();
    }
  });

  it("a locked database: busy, with what to do about it", () => {
    const b = bench();
    const path = join(b.dir, "w.db");
    const holder = new Database(path);
    holder.exec("CREATE TABLE t (x)");
    holder.exec("BEGIN IMMEDIATE");
    const other = new Database(path, { timeout: 0 });
    try {
      const error = thrown(() => other.exec("BEGIN IMMEDIATE"));
      expect(storeFailure(error, path)?.message).toBe(
        `the workspace ${path} is busy: another evcred has held it for more than 5 seconds`,
      );
    } finally {
      other.close();
      holder.exec("ROLLBACK");
      holder.close();
    }
  });

  it.each([
    ["SQLITE_CORRUPT", "is damaged (database disk image is malformed); nothing was changed", 1],
    [
      "SQLITE_CORRUPT_INDEX",
      "is damaged (database disk image is malformed); nothing was changed",
      1,
    ],
    ["SQLITE_NOTADB", "cannot open the workspace", 2],
    ["SQLITE_FULL", "is full", 1],
    ["SQLITE_IOERR_WRITE", "cannot read or write the workspace", 1],
  ])("%s → %s (exit %i)", (code, says, exitCode) => {
    const error = Object.assign(new Error("database disk image is malformed"), { code });
    const failure = storeFailure(error, "/w/evcred.db");
    expect(failure?.message).toContain(says);
    expect(failure?.message).toContain("/w/evcred.db");
    expect(failure?.exitCode).toBe(exitCode);
  });

  it("leaves other errors alone: a bug, a bad input, another file's EACCES", () => {
    expect(storeFailure(new Error("boom"), "/w.db")).toBeUndefined();
    expect(
      storeFailure(Object.assign(new Error("x"), { code: "EACCES" }), "/w.db"),
    ).toBeUndefined();
    expect(
      storeFailure(Object.assign(new Error("x"), { code: "SQLITE_CONSTRAINT_UNIQUE" }), "/w.db"),
    ).toBeUndefined();
  });
});
