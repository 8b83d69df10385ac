/**
 * The store seam's contract for sending: the ledger's claims, leases and settlements, and the
 * campaigns' takes, on both dialects through `Store` alone. On PostgreSQL, two pools (two
 * machines' worth) claim and take at once: the holds (advisory locks) are what keep one
 * attendee from being claimed twice and one campaign from being run twice. On SQLite the hold
 * is the file's write lock, held across processes by the send and run-due fault tests.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClaimScope } from "../../src/store/queries/ledger.js";
import type { EventRow } from "../../src/store/schema.js";
import { openPostgresStore } from "../../src/store/postgres/store.js";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite/store.js";
import type { Store } from "../../src/store/store.js";
import {
  createTestDatabase,
  dropTestDatabase,
  PG_URL,
  type TestDatabase,
} from "../helpers/postgres.js";

const AT = "2026-05-04T09:00:00.000Z";
const at = (minutes: number) => new Date(Date.parse(AT) + minutes * 60_000).toISOString();

/** Inserts a row the seam has no plain query for, in the dialect's own SQL; its id. */
type Raw = (sql: string, params: unknown[]) => Promise<number>;

function eventValues(slug: string) {
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
    createdAt: AT,
    timezone: null,
    locale: "en",
  };
}

function attendees(raw: Raw, eventId: number, count: number, prefix: string): Promise<number[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      raw(
        `INSERT INTO attendees (event_id, email, first_name, last_name, fields, code_hash, code_sealed, code_fingerprint, code_version, code_source, code_changed_at, created_at, updated_at) VALUES (?, ?, '', '', '{}', 'hash', ?, ?, 1, 'generated', ?, ?, ?) RETURNING id`,
        [
          eventId,
          `${prefix}${i}@example.com`,
          Buffer.from(`sealed-${prefix}${i}`),
          Buffer.from(`fp-${prefix}${i}`),
          AT,
          AT,
          AT,
        ],
      ),
    ),
  );
}

const scope = (eventId: number, owner: string, campaignId: number | null = null): ClaimScope => ({
  eventId,
  template: "credentials",
  purpose: campaignId === null ? "send" : "campaign",
  campaignId,
  owner,
  onlyDue: true,
});

function contract(open: () => Promise<{ store: Store; raw: Raw }>, close: () => Promise<void>) {
  let store: Store;
  let raw: Raw;
  let event: EventRow;

  beforeAll(async () => {
    ({ store, raw } = await open());
    event = await store.events.insert(eventValues("sending"));
  });
  afterAll(async () => {
    await store.close();
    await close();
  });

  it("claims each attendee once in a scope while a live claim stands, in the order asked", async () => {
    const ids = await attendees(raw, event.id, 5, "claim");
    const first = await store.transaction(async (tx) => {
      await tx.ledger.holdScope(scope(event.id, "one"));
      return tx.ledger.claim(scope(event.id, "one"), [ids[2], ids[0]] as number[], AT, at(5));
    });
    expect(first.map((c) => c.attendee.id)).toEqual([ids[2], ids[0]]);
    const second = await store.ledger.claim(scope(event.id, "two"), ids, at(1), at(6));
    expect(second.map((c) => c.attendee.id)).toEqual([ids[1], ids[3], ids[4]]);
    // Another template is another scope.
    const other = await store.ledger.claim(
      { ...scope(event.id, "three"), template: "reminder" },
      ids,
      at(1),
      at(6),
    );
    expect(other).toHaveLength(5);
    // Once a lease has run out, the attendee can be claimed again.
    const later = await store.ledger.claim(scope(event.id, "four"), ids, at(10), at(15));
    expect(later).toHaveLength(5);
  });

  it("settles a group in one call, renews only its owner's pending claims, releases only pending ones", async () => {
    const ids = await attendees(raw, event.id, 3, "settle");
    const s = { ...scope(event.id, "settler"), template: "settle" };
    const claims = await store.ledger.claim(s, ids, AT, at(5));
    const [a, b, c] = claims.map((x) => x.deliveryId) as [number, number, number];
    await store.ledger.settle([
      { id: a, status: "sent", messageId: "<a@x>", response: "250 ok", attempts: 1, at: at(1) },
      { id: b, status: "failed", messageId: null, response: "550 no", attempts: 3, at: at(1) },
    ]);
    await store.ledger.renew("settler", at(30));
    await store.ledger.renew("somebody-else", at(60));
    expect(await store.ledger.pending(event.id)).toContainEqual({
      id: c,
      owner: "settler",
      until: at(30),
    });
    const pendingIds = (await store.ledger.pending(event.id)).map((p) => p.id);
    expect(pendingIds).not.toContain(a);
    expect(pendingIds).not.toContain(b);
    await store.ledger.release(a); // sent: stays
    await store.ledger.release(c); // pending: gone
    expect((await store.ledger.pending(event.id)).map((p) => p.id)).not.toContain(c);
    // With everyone settled as sent or failed, only the failed one is claimable again.
    const again = await store.ledger.claim(s, ids, at(2), at(7));
    expect(again.map((x) => x.attendee.id).sort()).toEqual([ids[1], ids[2]].sort());
  });

  it("closes dead claims as failed, leaving the attendee due", async () => {
    const ids = await attendees(raw, event.id, 1, "dead");
    const s = { ...scope(event.id, "dead-host:1:x"), template: "dead" };
    const [claim] = await store.ledger.claim(s, ids, AT, at(5));
    if (!claim) throw new Error("no claim");
    await store.ledger.failClaims([claim.deliveryId], "the sender died", at(1));
    expect((await store.ledger.pending(event.id)).map((p) => p.id)).not.toContain(claim.deliveryId);
    expect(await store.ledger.claim(s, ids, at(1), at(6))).toHaveLength(1);
  });

  it("takes a campaign: open lists it with its event, update leases it, renew and finish only for its owner", async () => {
    const campaign = await store.campaigns.insert({
      eventId: event.id,
      template: "credentials",
      audience: "unsent",
      whenText: AT,
      fixedAt: AT,
      status: "scheduled",
      createdAt: AT,
    });
    const open = await store.campaigns.open();
    expect(open.find((o) => o.campaign.id === campaign.id)?.event.slug).toBe("sending");
    await store.transaction(async (tx) => {
      await tx.campaigns.holdTakes();
      await tx.campaigns.update(campaign.id, {
        status: "running",
        leaseOwner: "runner",
        leaseExpiresAt: at(5),
      });
    });
    expect(await store.campaigns.renew(campaign.id, "intruder", at(9))).toBe(false);
    expect(await store.campaigns.renew(campaign.id, "runner", at(9))).toBe(true);
    await store.campaigns.finish(campaign.id, "intruder", { status: "done", finishedAt: at(2) });
    expect((await store.campaigns.byId(campaign.id))?.campaign.status).toBe("running");
    await store.campaigns.finish(campaign.id, "runner", { status: "done", finishedAt: at(2) });
    const done = await store.campaigns.byId(campaign.id);
    expect(done?.campaign).toMatchObject({ status: "done", leaseOwner: null, finishedAt: at(2) });
    expect((await store.campaigns.open()).map((o) => o.campaign.id)).not.toContain(campaign.id);
  });
}

/** Two stores on one workspace, as two machines: claims and takes at the same moment. */
function heldAcrossStores(
  open: () => Promise<{ stores: Store[]; raw: Raw }>,
  close: () => Promise<void>,
) {
  let stores: Store[];
  let raw: Raw;
  let event: EventRow;
  const pick = (i: number): Store => {
    const store = stores[i % stores.length];
    if (!store) throw new Error("no store");
    return store;
  };

  beforeAll(async () => {
    ({ stores, raw } = await open());
    event = await pick(0).events.insert(eventValues("held"));
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await close();
  });

  it("six senders over two stores claiming 40 attendees at once claim each exactly once", async () => {
    const ids = await attendees(raw, event.id, 40, "race");
    const claimed = await Promise.all(
      Array.from({ length: 6 }, async (_, sender) => {
        const mine: number[] = [];
        for (let from = 0; from < ids.length; from += 10) {
          const batch = await pick(sender).transaction(async (tx) => {
            const s = scope(event.id, `sender-${sender}`);
            await tx.ledger.holdScope(s);
            const got = await tx.ledger.claim(s, ids.slice(from, from + 10), AT, at(5));
            // As long as a batch's bookkeeping might take: an unheld claim would race here.
            await sleep(20);
            return got;
          });
          mine.push(...batch.map((c) => c.attendee.id));
        }
        return mine;
      }),
    );
    const all = claimed.flat();
    expect(all).toHaveLength(40);
    expect(new Set(all).size).toBe(40);
  });

  it("six runners over two stores looking at once: one takes the campaign", async () => {
    const campaign = await pick(0).campaigns.insert({
      eventId: event.id,
      template: "credentials",
      audience: "unsent",
      whenText: AT,
      fixedAt: AT,
      status: "scheduled",
      createdAt: AT,
    });
    const took = await Promise.all(
      Array.from({ length: 6 }, (_, runner) =>
        pick(runner).transaction(async (tx) => {
          await tx.campaigns.holdTakes();
          const seen = (await tx.campaigns.open()).find((o) => o.campaign.id === campaign.id);
          if (seen?.campaign.status !== "scheduled") return false;
          await sleep(20);
          await tx.campaigns.update(campaign.id, {
            status: "running",
            leaseOwner: `runner-${runner}`,
            leaseExpiresAt: at(5),
          });
          return true;
        }),
      ),
    );
    expect(took.filter(Boolean)).toHaveLength(1);
  });
}

describe("store contract: sending (sqlite)", () => {
  const dir = mkdtempSync(join(tmpdir(), "evcred-contract-"));
  contract(
    () => {
      const store: SqliteStore = openSqliteStore({
        path: join(dir, "evcred.db"),
        mustExist: false,
      });
      const raw: Raw = (sql, params) => {
        const row = store.sqlite.prepare(sql).get(...params) as { id: number };
        return Promise.resolve(row.id);
      };
      return Promise.resolve({ store, raw });
    },
    () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  );
});

async function postgresStores(database: TestDatabase, count: number) {
  const options = { url: database.url, applicationName: "evcred test" };
  const stores = [];
  for (let i = 0; i < count; i++) stores.push(await openPostgresStore(options));
  const [first] = stores;
  if (!first) throw new Error("no store");
  const raw: Raw = async (sql, params) => {
    let n = 0;
    const result = await first.pool.query<{ id: number }>(
      sql.replace(/\?/g, () => `$${++n}`),
      params,
    );
    return result.rows[0]?.id ?? 0;
  };
  return { stores, raw };
}

describe.skipIf(PG_URL === undefined)("store contract: sending (postgresql)", () => {
  let database: TestDatabase | undefined;
  contract(
    async () => {
      database = await createTestDatabase({ migrate: false });
      const { stores, raw } = await postgresStores(database, 1);
      const [store] = stores;
      if (!store) throw new Error("no store");
      return { store, raw };
    },
    async () => {
      if (database) await dropTestDatabase(database);
    },
  );
});

describe.skipIf(PG_URL === undefined)(
  "store contract: sending's holds (postgresql, two pools)",
  () => {
    let database: TestDatabase | undefined;
    heldAcrossStores(
      async () => {
        database = await createTestDatabase({ migrate: false });
        return postgresStores(database, 2);
      },
      async () => {
        if (database) await dropTestDatabase(database);
      },
    );
  },
);
