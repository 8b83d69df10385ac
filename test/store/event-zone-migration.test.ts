import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { benchPerTest } from "../helpers/workspace.js";

const bench = benchPerTest();
const MIGRATIONS = new URL("../../src/store/migrations", import.meta.url).pathname;

describe("migration 0001: events get a time zone and a language", () => {
  it("upgrades a workspace made before it: events keep their start, in UTC and English", async () => {
    const b = bench();
    // A workspace as the first release left it: only 0000_init applied.
    const old = b.path("old-migrations");
    mkdirSync(join(old, "meta"), { recursive: true });
    cpSync(join(MIGRATIONS, "0000_init.sql"), join(old, "0000_init.sql"));
    const journal = JSON.parse(readFileSync(join(MIGRATIONS, "meta", "_journal.json"), "utf8")) as {
      entries: { tag: string }[];
    };
    journal.entries = journal.entries.filter((e) => e.tag === "0000_init");
    writeFileSync(join(old, "meta", "_journal.json"), JSON.stringify(journal));
    const sqlite = new Database(b.dbPath);
    migrate(drizzle(sqlite), { migrationsFolder: old });
    sqlite
      .prepare(
        "INSERT INTO events (slug, name, starts_at, code_length, created_at) VALUES (?, ?, ?, 10, ?)",
      )
      .run("summit", "Summit", "2026-05-04T09:00:00.000Z", "2026-01-01T00:00:00.000Z");
    sqlite.close();
    chmodSync(b.dbPath, 0o600); // as evcred makes its workspace files

    const shown = await b.run(["event", "show", "summit", "--json"]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.json()).toMatchObject({
      slug: "summit",
      startsAt: "2026-05-04T09:00:00.000Z",
      timezone: null,
      locale: "en",
    });
    const updated = await b.run([
      "event",
      "update",
      "--timezone",
      "Europe/Madrid",
      "--locale",
      "de",
    ]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toContain("starts at    4 May 2026, 11:00 (Europe/Madrid)");
  });
});
