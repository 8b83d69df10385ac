/**
 * The store seam's contract, held to both dialects: a real SQLite file and a real PostgreSQL
 * database (each suite its own), through `Store` alone.
 */
import { beforeAll, expect, it } from "vitest";
import type { EventValues } from "../../src/store/queries/events.js";
import type { Store } from "../../src/store/store.js";
import {
  contractOnEachDialect,
  eventValues as emptyEvent,
  type ContractStores,
} from "../helpers/stores.js";

const AT = "2026-05-04T09:00:00.000Z";

const eventValues = (slug: string, at = AT): EventValues => emptyEvent(slug, at);

function contract(opened: () => ContractStores): void {
  let store: Store;
  beforeAll(() => {
    ({ store } = opened());
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

contractOnEachDialect("events, audit and meta", contract);
