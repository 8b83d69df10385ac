/**
 * The store seam's contract for sending: the ledger's claims, leases and settlements, and the
 * campaigns' takes, on both dialects through `Store` alone. On PostgreSQL, two pools (two
 * machines' worth) claim and take at once: the holds (advisory locks) are what keep one
 * attendee from being claimed twice and one campaign from being run twice. On SQLite the hold
 * is the file's write lock, held across processes by the send and run-due fault tests.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, expect, it } from "vitest";
import type { ClaimScope } from "../../src/store/queries/ledger.js";
import type { EventRow } from "../../src/store/schema.js";
import type { Store } from "../../src/store/store.js";
import {
  contractOnEachDialect,
  eventValues,
  type ContractStores,
  type Raw,
} from "../helpers/stores.js";

const AT = "2026-05-04T09:00:00.000Z";
const at = (minutes: number) => new Date(Date.parse(AT) + minutes * 60_000).toISOString();

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

/** A campaign of the credentials, due at AT. */
const scheduled = (eventId: number) => ({
  eventId,
  template: "credentials",
  audience: "unsent" as const,
  whenText: AT,
  fixedAt: AT,
  status: "scheduled" as const,
  createdAt: AT,
});

const scope = (eventId: number, owner: string, campaignId: number | null = null): ClaimScope => ({
  eventId,
  template: "credentials",
  purpose: campaignId === null ? "send" : "campaign",
  campaignId,
  owner,
  onlyDue: true,
});

function contract(opened: () => ContractStores) {
  let store: Store;
  let raw: Raw;
  let event: EventRow;

  beforeAll(async () => {
    ({ store, raw } = opened());
    event = await store.events.insert(eventValues("sending", AT));
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
    const campaign = await store.campaigns.insert(scheduled(event.id));
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
function heldAcrossStores(opened: () => ContractStores) {
  let stores: Store[];
  let raw: Raw;
  let event: EventRow;
  const pick = (i: number): Store => {
    const store = stores[i % stores.length];
    if (!store) throw new Error("no store");
    return store;
  };

  beforeAll(async () => {
    ({ stores, raw } = opened());
    event = await pick(0).events.insert(eventValues("held", AT));
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
    const campaign = await pick(0).campaigns.insert(scheduled(event.id));
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

contractOnEachDialect("sending", contract);
contractOnEachDialect("sending's holds, two pools", heldAcrossStores, {
  stores: 2,
  dialects: ["postgres"],
});
