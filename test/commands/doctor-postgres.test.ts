/**
 * `evcred doctor --db postgres://…` against a real server: the connection, the server's version,
 * the schema version and the recorded key; a refused login or a closed port named by host and
 * database, never by the password.
 */
import { readdirSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { migratePostgres } from "../../src/store/postgres/migrate.js";
import { loadMasterKey } from "../../src/vault/master-key.js";
import { describePostgres, useTestDatabase } from "../helpers/postgres.js";
import { benchPerTest, type TestBench } from "../helpers/workspace.js";

interface Report {
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string; fix?: string }[];
}

const bench = benchPerTest();

async function doctor(b: TestBench, db: string) {
  const r = await b.run(["doctor", "--json", "--db", db]);
  const checks = r.json<Report>().checks;
  return { code: r.code, check: (name: string) => checks.find((c) => c.name === name) };
}

function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}

/** A loopback port nothing listens on: one the system just handed out, closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  await new Promise<void>((done) =>
    server.close(() => {
      done();
    }),
  );
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describePostgres("evcred doctor on PostgreSQL", () => {
  const database = useTestDatabase();
  const empty = useTestDatabase({ migrate: false });

  it("reports the server, its version, an up-to-date schema and the workspace's key", async () => {
    const b = bench();
    const vault = loadMasterKey(b.env.EVCRED_KEY_FILE ?? "", { create: true });
    await database.pool.query(
      "INSERT INTO meta (key, value) VALUES ('key_id', $1) ON CONFLICT (key) DO UPDATE SET value = $1",
      [vault.keyId],
    );
    const { code, check } = await doctor(b, database.url);
    expect(code).toBe(0);
    const target = `127.0.0.1:${new URL(database.url).port}/${database.name}`;
    expect(check("database")).toMatchObject({ ok: true });
    expect(check("database")?.detail).toMatch(
      new RegExp(`^PostgreSQL \\d+\\.\\d+.* at ${target.replace(/\./g, "\\.")}$`),
    );
    expect(check("schema")).toMatchObject({ ok: true, detail: "up to date" });
    expect(check("master key")).toMatchObject({ ok: true });
    expect(check("master key")?.detail).toContain(`id ${vault.keyId}`);
    // No workspace file to sit beside: the templates are ./templates of the working directory.
    expect(check("templates folder")?.detail).toBe(
      `${b.path("templates")} (in the working directory; not made yet: evcred template new NAME makes it)`,
    );
  });

  it("refuses a key file that is not the workspace's", async () => {
    const b = bench();
    loadMasterKey(b.env.EVCRED_KEY_FILE ?? "", { create: true });
    await database.pool.query("UPDATE meta SET value = 'someone-elses' WHERE key = 'key_id'");
    const { code, check } = await doctor(b, database.url);
    expect(code).toBe(1);
    expect(check("master key")).toMatchObject({ ok: false });
    expect(check("master key")?.detail).toContain("is not this workspace's key (id someone-elses)");
  });

  it("says an empty database gets its tables on first use, and flags one a newer evcred wrote", async () => {
    const b = bench();
    const first = await doctor(b, empty.url);
    expect(first.check("schema")).toMatchObject({
      ok: true,
      detail: "empty: evcred makes its tables on first use",
    });
    const client = await empty.pool.connect();
    try {
      await migratePostgres(client);
      await client.query(
        "INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('later', 99999999999999)",
      );
    } finally {
      client.release();
    }
    const newer = await doctor(b, empty.url);
    expect(newer.code).toBe(1);
    expect(newer.check("schema")).toMatchObject({
      ok: false,
      detail: `the database at 127.0.0.1:${new URL(empty.url).port}/${empty.name} was written by a newer evcred`,
    });
  });

  it("names the host and database of a refused password, and never the password", async () => {
    const b = bench();
    const password = "wrong-Secret-4821";
    const { code, check } = await doctor(b, withPassword(database.url, password));
    expect(code).toBe(1);
    const port = new URL(database.url).port;
    expect(check("database")).toMatchObject({ ok: false });
    expect(check("database")?.detail).toBe(
      `cannot connect to PostgreSQL at 127.0.0.1:${port}/${database.name}: password authentication failed for user "${new URL(database.url).username}"`,
    );
    expect(check("schema")).toMatchObject({ ok: false, detail: "not checked: no connection" });
    for (const text of b.transcript) expect(text).not.toContain(password);
  });
});

describe("evcred doctor on a PostgreSQL URL nothing answers", () => {
  it("names the host, port and database, and never the password", async () => {
    const b = bench();
    const port = await closedPort();
    const password = "hunter2-Secret-77";
    const { code, check } = await doctor(b, `postgres://evcred:${password}@127.0.0.1:${port}/team`);
    expect(code).toBe(1);
    expect(check("database")).toMatchObject({ ok: false });
    expect(check("database")?.detail).toMatch(
      new RegExp(`^cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port}/team: .*ECONNREFUSED`),
    );
    expect(check("database")?.fix).toContain("host, port, user, password and database");
    for (const text of b.transcript) expect(text).not.toContain(password);
  });

  it("the other commands name an unreachable server by host and database, never the password", async () => {
    const b = bench();
    const password = "pw-Not-Shown-93";
    const port = await closedPort();
    for (const argv of [["stats"], ["import", "a.csv", "--event", "ev", "--yes"]]) {
      const r = await b.run([
        ...argv,
        "--db",
        `postgresql://evcred:${password}@127.0.0.1:${port}/team`,
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`cannot connect to PostgreSQL at 127.0.0.1:${port}/team`);
    }
    for (const text of b.transcript) expect(text).not.toContain(password);
    expect(readdirSync(b.dir).filter((name) => name.startsWith("postgres"))).toEqual([]);
  });
});
