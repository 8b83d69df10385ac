/**
 * The PostgreSQL workspace's foundations on a real server: the migrations applied once however
 * many processes start together, the schema version read back, and rows that come back in the
 * shapes the domain knows from SQLite (Buffers, booleans, numbers, ids reserved ahead from a
 * sequence). Also the test helper's own rules: a database per file, dropped after; no
 * PostgreSQL skips the tests outside CI and fails them under it.
 */
import { eq, sql } from "drizzle-orm";
import { readFileSync } from "node:fs";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { migratePostgres, postgresSchemaState } from "../../src/store/postgres/migrate.js";
import { attendees, events, logins } from "../../src/store/postgres/schema.js";
import {
  createTestDatabase,
  describePostgres,
  dropTestDatabase,
  PG_URL,
  testPostgresUrl,
  useTestDatabase,
} from "../helpers/postgres.js";

describe("the PostgreSQL test URL", () => {
  it("is EVCRED_TEST_PG_URL when set", () => {
    expect(
      testPostgresUrl({ EVCRED_TEST_PG_URL: "postgres://u:p@127.0.0.1:1/d", CI: "true" }),
    ).toBe("postgres://u:p@127.0.0.1:1/d");
  });

  it("is missing on a developer's machine: the PostgreSQL tests skip", () => {
    expect(testPostgresUrl({})).toBeUndefined();
    expect(testPostgresUrl({ EVCRED_TEST_PG_URL: "" })).toBeUndefined();
  });

  it("must be there under CI: a run that skipped the dialect would pass untested", () => {
    expect(() => testPostgresUrl({ CI: "true" })).toThrow(/EVCRED_TEST_PG_URL is not set/);
  });
});

/** The migrations drizzle-kit generated for PostgreSQL, as its journal lists them. */
const MIGRATIONS = (
  JSON.parse(
    readFileSync(
      new URL("../../src/store/postgres/migrations/meta/_journal.json", import.meta.url),
      "utf8",
    ),
  ) as { entries: unknown[] }
).entries.length;

describePostgres("migrating a PostgreSQL workspace", () => {
  const empty = useTestDatabase({ migrate: false });

  it("applies the migrations once when several processes start together", async () => {
    const clients = Array.from({ length: 4 }, () => new pg.Client({ connectionString: empty.url }));
    await Promise.all(clients.map((c) => c.connect()));
    try {
      expect(await postgresSchemaState(clients[0] as pg.Client)).toMatchObject({
        applied: null,
        pending: MIGRATIONS,
      });
      await Promise.all(clients.map((c) => migratePostgres(c)));
      const state = await postgresSchemaState(clients[0] as pg.Client);
      expect(state.applied).toBe(state.known);
      expect(state.pending).toBe(0);
      expect(state.known).toBeGreaterThan(0);
      const recorded = await empty.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations",
      );
      expect(recorded.rows[0]?.n).toBe(MIGRATIONS);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it("reports a database a newer evcred migrated: its last migration is past the known ones", async () => {
    const client = await empty.pool.connect();
    try {
      await migratePostgres(client);
      const { known } = await postgresSchemaState(client);
      await client.query(
        "INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('from-the-future', $1)",
        [known + 1],
      );
      expect(await postgresSchemaState(client)).toEqual({ applied: known + 1, known, pending: 0 });
    } finally {
      client.release();
    }
  });
});

describePostgres("rows on PostgreSQL", () => {
  const database = useTestDatabase();

  it("come back as the SQLite driver gives them: Buffers, booleans, numbers, ISO text", async () => {
    const db = drizzle({ client: database.pool });
    const [event] = await db
      .insert(events)
      .values({ slug: "conf", name: "Conf", createdAt: "2026-05-04T09:00:00.000Z" })
      .returning();
    expect(event).toMatchObject({ id: 1, codeLength: 10, locale: "en", startsAt: null });
    if (!event) throw new Error("no event");
    const sealed = Buffer.from([0, 1, 2, 255]);
    const [person] = await db
      .insert(attendees)
      .values({
        eventId: event.id,
        email: "ada@example.com",
        codeHash: "$argon2id$…",
        codeSealed: sealed,
        codeFingerprint: Buffer.from("fp"),
        codeChangedAt: "2026-05-04T09:00:00.000Z",
        createdAt: "2026-05-04T09:00:00.000Z",
        updatedAt: "2026-05-04T09:00:00.000Z",
      })
      .returning();
    if (!person) throw new Error("no attendee");
    const [read] = await db.select().from(attendees).where(eq(attendees.id, person.id));
    expect(Buffer.isBuffer(read?.codeSealed)).toBe(true);
    expect(read?.codeSealed.equals(sealed)).toBe(true);
    expect(read).toMatchObject({ fields: "{}", codeVersion: 1, codeSource: "generated" });
    await db.insert(logins).values({
      eventId: event.id,
      attendeeId: person.id,
      email: person.email,
      ok: true,
      outcome: "ok",
      at: "2026-05-04T09:00:01.000Z",
    });
    const [login] = await db.select().from(logins);
    expect(login?.ok).toBe(true);
    expect(login?.source).toBe("cli");
  });

  it("reserve ids ahead from the sequence: an import binds them before the rows exist", async () => {
    const db = drizzle({ client: database.pool });
    const [event] = await db
      .insert(events)
      .values({ slug: "reserve", name: "Reserve", createdAt: "2026-05-04T09:00:00.000Z" })
      .returning();
    if (!event) throw new Error("no event");
    const reserved = await db.execute<{ id: number }>(
      sql`SELECT nextval(pg_get_serial_sequence('attendees', 'id'))::int AS id FROM generate_series(1, 3)`,
    );
    const ids = reserved.rows.map((r) => r.id);
    expect(ids).toHaveLength(3);
    const row = (id: number | undefined, email: string) => ({
      ...(id === undefined ? {} : { id }),
      eventId: event.id,
      email,
      codeHash: "h",
      codeSealed: Buffer.from(email),
      codeFingerprint: Buffer.from(email),
      codeChangedAt: "2026-05-04T09:00:00.000Z",
      createdAt: "2026-05-04T09:00:00.000Z",
      updatedAt: "2026-05-04T09:00:00.000Z",
    });
    await db.insert(attendees).values(ids.map((id, i) => row(id, `r${i}@example.com`)));
    const [next] = await db
      .insert(attendees)
      .values(row(undefined, "next@example.com"))
      .returning();
    expect(next?.id).toBeGreaterThan(Math.max(...ids));
  });
});

describePostgres("a test database", () => {
  it("is made fresh and dropped after", async () => {
    const made = await createTestDatabase({ migrate: false });
    expect(made.name).toMatch(/^evcred_test_[0-9a-f]{12}$/);
    expect(new URL(made.url).pathname).toBe(`/${made.name}`);
    const tables = await made.pool.query("SELECT 1 FROM pg_tables WHERE schemaname = 'public'");
    expect(tables.rowCount).toBe(0);
    await dropTestDatabase(made);
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const left = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [made.name]);
      expect(left.rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  });
});
