import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { VenueKeyView } from "../../src/domain/venue-keys.js";
import { benchPerTest, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();

async function withEvents(b: TestBench): Promise<void> {
  for (const name of ["Summit 2026", "Expo 2026"]) {
    const r = await b.run(["event", "create", name]);
    expect(r.code, r.stderr).toBe(0);
  }
}

describe("evcred venue-key", () => {
  it("create prints the key once on stdout and stores only its SHA-256", async () => {
    const b = bench();
    await withEvents(b);
    const r = await b.run(["venue-key", "create", "venue-prod", "--event", "summit-2026"]);
    expect(r.code, r.stderr).toBe(0);
    const key = r.stdout.trim();
    expect(key).toMatch(/^evk_[A-Za-z0-9_-]{43}$/);
    expect(r.stderr).toContain("venue key venue-prod (#1) created for summit-2026");
    expect(r.stderr).toContain("only time");
    const rows = (await b.snapshot()).venue_keys as { key_hash: string; name: string }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]?.key_hash).toBe(createHash("sha256").update(key).digest("hex"));
    expect(JSON.stringify(await b.snapshot())).not.toContain(key);
    // Never again: not in list, not in the log.
    const list = await b.run(["venue-key", "list"]);
    const log = await b.run(["log", "--event", "summit-2026", "--json"]);
    expect(list.stdout + list.stderr + log.stdout).not.toContain(key);
    expect(log.stdout).toContain("venue-key.create");
  });

  it("create --json gives the key and its view; without --event it serves every event", async () => {
    const b = bench();
    await withEvents(b);
    const r = await b.run(["venue-key", "create", "all-events", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const created = r.json<VenueKeyView & { key: string }>();
    expect(created).toMatchObject({ id: 1, name: "all-events", event: null, lastUsedAt: null });
    expect(created.key).toMatch(/^evk_/);
  });

  it("list shows id, name, event or all, created and last used, as a table and as JSON", async () => {
    const b = bench();
    await withEvents(b);
    await b.run(["venue-key", "create", "a", "--event", "expo-2026"]);
    await b.run(["venue-key", "create", "b"]);
    const json = await b.run(["venue-key", "list", "--json"]);
    expect(json.json<VenueKeyView[]>()).toEqual([
      { id: 1, name: "a", event: "expo-2026", createdAt: b.now.toISOString(), lastUsedAt: null },
      { id: 2, name: "b", event: null, createdAt: b.now.toISOString(), lastUsedAt: null },
    ]);
    const table = await b.run(["venue-key", "list"]);
    expect(table.stdout.split("\n")[0]).toMatch(
      /^ID\s+NAME\s+EVENT\s+CREATED \(UTC\)\s+LAST USED$/,
    );
    expect(table.stdout).toMatch(/2\s+b\s+all\s+2026-05-04 09:00:00\s+never/);
  });

  it("list shows times in the zone the workspace's events share, without milliseconds", async () => {
    const b = bench();
    await withEvents(b);
    for (const slug of ["summit-2026", "expo-2026"])
      await b.run(["event", "update", slug, "--timezone", "Europe/Madrid"]);
    await b.run(["venue-key", "create", "doors"]);
    const table = await b.run(["venue-key", "list"]);
    expect(table.stdout.split("\n")[0]).toMatch(/CREATED \(Europe\/Madrid\)/);
    expect(table.stdout).toMatch(/1\s+doors\s+all\s+2026-05-04 11:00:00\s+never/);
    // Two events in two zones: UTC, named.
    await b.run(["event", "update", "expo-2026", "--timezone", "America/New_York"]);
    const mixed = await b.run(["venue-key", "list"]);
    expect(mixed.stdout).toMatch(/CREATED \(UTC\)[\s\S]*2026-05-04 09:00:00/);
  });

  it("revoke by name or id removes the key and audits it", async () => {
    const b = bench();
    await withEvents(b);
    await b.run(["venue-key", "create", "a"]);
    await b.run(["venue-key", "create", "b"]);
    expect((await b.run(["venue-key", "revoke", "a"])).code).toBe(0);
    const byId = await b.run(["venue-key", "revoke", "2", "--json"]);
    expect(byId.code, byId.stderr).toBe(0);
    expect(byId.json()).toMatchObject({ id: 2, name: "b", revoked: true });
    expect((await b.snapshot()).venue_keys).toEqual([]);
    const log = await b.run(["log", "--event", "summit-2026", "--json"]);
    expect(log.stdout.match(/venue-key\.revoke/g)).toHaveLength(2);
  });

  it("refuses bad input with exit 2, naming it, and changes nothing", async () => {
    const b = bench();
    await withEvents(b);
    await b.run(["venue-key", "create", "taken"]);
    const before = await b.snapshot();
    const cases: [string[], string][] = [
      [["venue-key", "create", "has space"], 'NAME: "has space" is not a venue key name'],
      [["venue-key", "create", "1234"], "not all digits"],
      [["venue-key", "create", "taken"], 'a venue key named "taken" already exists'],
      [["venue-key", "create", "x", "--event", "nope"], 'no event "nope"'],
      [["venue-key", "revoke", "nope"], 'no venue key "nope"'],
      [["venue-key", "revoke", "99"], 'no venue key "99"'],
      [["venue-key", "create"], "missing required argument 'name'"],
    ];
    for (const [argv, message] of cases) {
      const r = await b.run(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stdout).toBe("");
    }
    expect(await b.snapshot()).toEqual(before);
  });

  it("has help with examples", async () => {
    const b = bench();
    const r = await b.run(["venue-key", "create", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("evcred venue-key create venue-prod --event summit-2026");
    const group = await b.run(["--help"]);
    expect(group.stdout).toContain("venue-key");
  });
});
