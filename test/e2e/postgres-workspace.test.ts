/**
 * A workspace on PostgreSQL, as a team uses one: commands give the same JSON as on SQLite; two
 * `serve`s share the lockout; two laptops' `send`s split the attendees and mail each once; a
 * login on a `serve` is counted by `stats` on a laptop. Real processes on one real server.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, expect, it } from "vitest";
import { describePostgres, useTestDatabase } from "../helpers/postgres.js";
import { killServes, postLogin, spawnServe } from "../helpers/server.js";
import { runBin } from "../helpers/spawn.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();
afterEach(killServes);

function attendeesCsv(count: number): string {
  const rows = Array.from({ length: count }, (_, i) => `p${i}@example.com,P${i},Person`);
  return `email,first_name,last_name\n${rows.join("\n")}\n`;
}

/** The plain code the credential email in `outbox` gave `email`: how an attendee learns it. */
function codeInOutbox(outbox: string, email: string): string {
  const file = readdirSync(outbox).find((name) => name.includes(`-${email}-`));
  if (!file) throw new Error(`no message to ${email} in ${outbox}`);
  const line = /Access code:\s+(\S+)/.exec(readFileSync(join(outbox, file), "utf8"));
  if (!line?.[1]) throw new Error(`no code in the message to ${email}`);
  return line[1];
}

describePostgres("a workspace on PostgreSQL", () => {
  const database = useTestDatabase({ migrate: false });
  // One master key for the workspace, shared by every bench as a team shares it (a secret).
  const keyDir = mkdtempSync(join(tmpdir(), "evcred-pgkey-"));
  afterAll(() => {
    rmSync(keyDir, { recursive: true, force: true });
  });

  /** A bench on this file's database (one workspace for the file: each test its own event). */
  function onPostgres(): TestBench {
    const b = bench();
    b.env.EVCRED_DB = database.url;
    b.env.EVCRED_KEY_FILE = join(keyDir, "master.key");
    return b;
  }

  it("gives the same output, exit codes and JSON as a SQLite workspace", async () => {
    const runs = async (b: TestBench, slug: string) => {
      b.file("a.csv", SAMPLE_CSV);
      const results = [
        await b.run(["event", "create", "Same Event", "--slug", slug, "--json"]),
        await b.run(["import", "a.csv", "--event", slug, "--yes", "--json"]),
        await b.run(["attendees", "list", "--event", slug, "--json"]),
        await b.run(["attendees", "list", "--event", slug, "--search", "LOVELACE", "--json"]),
        await b.run(["verify", "ada@example.com", "--event", slug], { stdin: "WRONG-CODE-1\n" }),
        await b.run(["stats", "--event", slug, "--json"]),
        await b.run(["attendees", "show", "nobody@example.com", "--event", slug, "--json"]),
      ];
      return results.map((r) => ({
        code: r.code,
        stdout: r.stdout.replaceAll(slug, "SLUG").replace(/"file":"[^"]*"/g, '"file":"…"'),
        stderr: r.stderr.replaceAll(slug, "SLUG").replace(/\(\d+\.\ds,/g, "(…s,"),
      }));
    };
    const sqlite = await runs(bench(), "same-sqlite");
    const postgres = await runs(onPostgres(), "same-pg");
    expect(postgres).toEqual(sqlite);
    expect(sqlite[4]?.code).toBe(1); // the wrong code was refused on both
  });

  it("two serves share the lockout: 30 wrong attempts spread over both, at most 5 answered 401", async () => {
    const b = onPostgres();
    b.file("a.csv", SAMPLE_CSV);
    expect((await b.run(["event", "create", "Locks", "--slug", "locks"])).code).toBe(0);
    expect((await b.run(["import", "a.csv", "--event", "locks", "--yes"])).code).toBe(0);
    const key = (
      await b.run(["venue-key", "create", "locks-venue", "--event", "locks"])
    ).stdout.trim();
    const [one, two] = await Promise.all([spawnServe(b), spawnServe(b)]);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        postLogin(i % 2 ? one.url : two.url, "locks", key, {
          email: "ada@example.com",
          code: `WRONG${String(i).padStart(5, "0")}`,
        }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.every((s) => s === 401 || s === 423)).toBe(true);
    const stats = (await b.run(["stats", "--event", "locks", "--json"])).json<{
      attempts: { ok: number; failed: number };
    }>();
    expect(stats.attempts).toEqual({ ok: 0, failed: 30 });
  });

  it("two laptops' sends split the attendees and mail each once; a login on serve counts in stats", async () => {
    const b = onPostgres();
    b.file("people.csv", attendeesCsv(60));
    expect(
      (await b.run(["event", "create", "Team", "--slug", "team", "--from", "team@example.com"]))
        .code,
    ).toBe(0);
    expect((await b.run(["import", "people.csv", "--event", "team", "--yes"])).code).toBe(0);
    const laptop = (name: string) => {
      const dir = b.path(name);
      mkdirSync(dir, { recursive: true });
      return runBin(["send", "--template", "credentials", "--event", "team", "--yes"], {
        cwd: dir,
        env: { ...b.env, EVCRED_OUTBOX: join(dir, "outbox") },
        timeoutMs: 60_000,
      });
    };
    const [first, second] = await Promise.all([laptop("laptop-1"), laptop("laptop-2")]);
    expect([first.code, second.code]).toEqual([0, 0]);
    const mailed = ["laptop-1", "laptop-2"].flatMap((name) => {
      const outbox = b.path(join(name, "outbox"));
      try {
        return readdirSync(outbox).map((file) => /-(p\d+@example\.com)-/.exec(file)?.[1]);
      } catch {
        return [];
      }
    });
    expect(mailed).toHaveLength(60);
    expect(new Set(mailed).size).toBe(60);

    const key = (
      await b.run(["venue-key", "create", "team-venue", "--event", "team"])
    ).stdout.trim();
    const served = await spawnServe(b);
    const outboxOf = (email: string) =>
      ["laptop-1", "laptop-2"]
        .map((name) => b.path(join(name, "outbox")))
        .find((dir) => {
          try {
            return readdirSync(dir).some((file) => file.includes(`-${email}-`));
          } catch {
            return false;
          }
        }) ?? "";
    const code = codeInOutbox(outboxOf("p7@example.com"), "p7@example.com");
    const login = await postLogin(served.url, "team", key, { email: "p7@example.com", code });
    expect(login.status).toBe(200);
    const stats = (await b.run(["stats", "--event", "team", "--json"])).json<{
      codes: { sent: number };
      loggedIn: number;
      loggedInBySource: Record<string, number>;
    }>();
    expect(stats.codes.sent).toBe(60);
    expect(stats.loggedIn).toBe(1);
    expect(stats.loggedInBySource.api).toBe(1);
    for (const text of [...b.transcript, served.stderr(), first.stderr, second.stderr])
      expect(text).not.toContain(code);
  });
});
