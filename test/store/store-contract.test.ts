/**
 * The store seam's contract, held to both dialects: a real SQLite file and a real PostgreSQL
 * database (each suite its own), through `Store` alone.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventValues } from "../../src/store/queries/events.js";
import { openPostgresStore } from "../../src/store/postgres/store.js";
import { openSqliteStore } from "../../src/store/sqlite/store.js";
import type { Store } from "../../src/store/store.js";
import {
  createTestDatabase,
  dropTestDatabase,
  PG_URL,
  type TestDatabase,
} from "../helpers/postgres.js";

const AT = "2026-05-04T09:00:00.000Z";

function eventValues(slug: string, at = AT): EventValues {
  return {
    slug,
    name: `Event ${slug}`,
    startsAt: null,
    loginUrl: null,
    fromAddress: null,
    codeLength: 10,
    tokenAudience: null,
    tokenTtlSeconds: null,
    tokenSecretFile: null,
    venueUrl: null,
    createdAt: at,
    timezone: null,
    locale: "en",
  };
}

function contract(open: () => Promise<Store>, close: () => Promise<void>): void {
  let store: Store;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(async () => {
    await store.close();
    await close();
  });

  it("keeps workspace facts: set replaces, add keeps the first", async () => {
    expect(await store.meta.get("probe")).toBeUndefined();
    await store.meta.set("probe", "one");
    await store.meta.set("probe", "two");
    await store.meta.add("probe", "three");
    await store.meta.add("fresh", "first");
    expect(await store.meta.get("probe")).toBe("two");
    expect(await store.meta.get("fresh")).toBe("first");
  });

  it("inserts, finds, lists (oldest first) and updates events", async () => {
    const later = await store.events.insert(eventValues("later", "2026-05-04T10:00:00.000Z"));
    const earlier = await store.events.insert(eventValues("earlier", "2026-05-04T08:00:00.000Z"));
    expect(earlier.id).toBeGreaterThan(later.id);
    expect(await store.events.bySlug("later")).toEqual(later);
    expect(await store.events.bySlug("nope")).toBeUndefined();
    expect((await store.events.list()).map((e) => e.slug)).toEqual(["earlier", "later"]);
    const renamed = await store.events.update(later.id, { slug: "renamed", codeLength: 12 });
    expect(renamed).toMatchObject({ id: later.id, slug: "renamed", codeLength: 12 });
    expect(await store.events.bySlug("later")).toBeUndefined();
  });

  it("commits a transaction's writes together, and rolls all of them back when it fails", async () => {
    await store.transaction(async (tx) => {
      await tx.events.insert(eventValues("kept"));
      await tx.audit.insert({
        actor: "tester",
        at: AT,
        action: "event.create",
        eventId: null,
        attendeeId: null,
        email: null,
        summary: "created kept",
      });
    });
    await expect(
      store.transaction(async (tx) => {
        await tx.events.insert(eventValues("dropped"));
        await tx.meta.set("dropped", "yes");
        throw new Error("stop here");
      }),
    ).rejects.toThrow("stop here");
    expect(await store.events.bySlug("kept")).toBeDefined();
    expect(await store.events.bySlug("dropped")).toBeUndefined();
    expect(await store.meta.get("dropped")).toBeUndefined();
  });

  it("lets queries outside a transaction wait for it rather than join it", async () => {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const inside = store.transaction(async (tx) => {
      await tx.meta.set("phase", "inside");
      await held;
      throw new Error("rolled back");
    });
    const outside = store.meta.set("outside", "written");
    release();
    await expect(inside).rejects.toThrow("rolled back");
    await outside;
    expect(await store.meta.get("outside")).toBe("written");
    expect(await store.meta.get("phase")).toBeUndefined();
  });

  it("refuses a second event with a slug already taken", async () => {
    await expect(store.events.insert(eventValues("kept"))).rejects.toThrow();
  });
}

describe("store contract (sqlite)", () => {
  const dir = mkdtempSync(join(tmpdir(), "evcred-contract-"));
  contract(
    () => Promise.resolve(openSqliteStore({ path: join(dir, "evcred.db"), mustExist: false })),
    () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  );
});

describe.skipIf(PG_URL === undefined)("store contract (postgresql)", () => {
  let database: TestDatabase | undefined;
  contract(
    async () => {
      database = await createTestDatabase({ migrate: false });
      return openPostgresStore({ url: database.url, applicationName: "evcred test" });
    },
    async () => {
      if (database) await dropTestDatabase(database);
    },
  );
});
