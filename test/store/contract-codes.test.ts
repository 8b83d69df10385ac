/**
 * The store seam's contract for what gives attendees their codes (the import's id reservation
 * and inserts, resets, key rotation's re-sealing), held to both dialects through `Store` alone.
 */
import { beforeAll, expect, it } from "vitest";
import type { NewAttendee } from "../../src/store/queries/attendees.js";
import type { EventRow } from "../../src/store/schema.js";
import type { Store } from "../../src/store/store.js";
import { contractOnEachDialect, eventValues, type ContractStores } from "../helpers/stores.js";

const AT = "2026-05-04T09:00:00.000Z";
const LATER = "2026-05-04T10:00:00.000Z";

function registration(event: EventRow, id: number, email: string): NewAttendee {
  return {
    id,
    eventId: event.id,
    email,
    firstName: email.split("@")[0] ?? "",
    lastName: "",
    fields: "{}",
    codeHash: `hash-${email}`,
    codeSealed: Buffer.from(`sealed-${email}`),
    codeFingerprint: Buffer.from(`fp-${email}`),
    codeChangedAt: AT,
  };
}

function contract(opened: () => ContractStores) {
  let store: Store;
  let event: EventRow;

  beforeAll(async () => {
    ({ store } = opened());
    event = await store.events.insert({ ...eventValues("summit", AT), name: "Summit" });
  });

  it("reserves ids never given before, removed attendees' included, and inserts with them", async () => {
    const first = await store.transaction(async (tx) => {
      const ids = await tx.attendees.reserveIds(3);
      await tx.attendees.insertMany(
        ["ada@example.com", "bob@example.com", "cy@example.com"].map((email, i) =>
          registration(event, ids[i] ?? 0, email),
        ),
      );
      return ids;
    });
    expect(first).toHaveLength(3);
    expect(new Set(first).size).toBe(3);
    const cy = await store.attendees.byEmail(event.id, "cy@example.com");
    expect(cy).toMatchObject({ codeVersion: 1, codeSource: "generated", createdAt: AT });
    await store.attendees.remove(cy?.id ?? 0);
    // A reservation rolled back is not handed out again either (a gap, never a reuse).
    await expect(
      store.transaction(async (tx) => {
        await tx.attendees.reserveIds(2);
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    const next = await store.transaction((tx) => tx.attendees.reserveIds(2));
    expect(Math.min(...next)).toBeGreaterThan(Math.max(...first));
    expect(await store.transaction((tx) => tx.attendees.reserveIds(0))).toEqual([]);
    expect(await store.attendees.ids(event.id)).toEqual(first.slice(0, 2));
  });

  it("finds attendees by id, fingerprint and email, and says which fingerprints are taken", async () => {
    const ada = await store.attendees.byEmail(event.id, "ada@example.com");
    if (!ada) throw new Error("no ada");
    expect(await store.attendees.byId(event.id, ada.id)).toEqual(ada);
    expect(await store.attendees.byId(event.id + 1, ada.id)).toBeUndefined();
    expect(
      await store.attendees.byFingerprint(event.id, Buffer.from("fp-ada@example.com")),
    ).toEqual({ id: ada.id });
    const taken = await store.attendees.fingerprintsTaken(event.id, [
      Buffer.from("fp-bob@example.com"),
      Buffer.from("fp-nobody"),
      Buffer.from("fp-cy@example.com"),
    ]);
    expect(taken.map((f) => f.toString())).toEqual(["fp-bob@example.com"]);
    expect(await store.attendees.fingerprintsTaken(event.id, [])).toEqual([]);
    const found = await store.attendees.withEmails(event.id, ["bob@example.com", "x@example.com"]);
    expect(found.map((r) => r.email)).toEqual(["bob@example.com"]);
    expect(await store.attendees.withEmails(event.id, [])).toEqual([]);
  });

  it("replaces a code: bumped or kept version, refused when it changed meanwhile or is taken", async () => {
    const ada = await store.attendees.byEmail(event.id, "ada@example.com");
    if (!ada) throw new Error("no ada");
    const code = (name: string, bumpVersion: boolean) => ({
      codeHash: `hash-${name}`,
      codeSealed: Buffer.from(`sealed-${name}`),
      codeFingerprint: Buffer.from(`fp-${name}`),
      codeSource: bumpVersion ? ("generated" as const) : ("attendee" as const),
      bumpVersion,
      at: LATER,
    });
    const reset = await store.attendees.replaceCode(event.id, ada.id, code("new", true));
    expect(reset).toMatchObject({ codeVersion: 2, codeHash: "hash-new", codeChangedAt: LATER });
    const stale = await store.attendees.replaceCode(event.id, ada.id, code("mine", false), {
      codeVersion: ada.codeVersion,
      codeChangedAt: ada.codeChangedAt,
    });
    expect(stale).toBeUndefined();
    const own = await store.attendees.replaceCode(event.id, ada.id, code("mine", false), {
      codeVersion: 2,
      codeChangedAt: LATER,
    });
    expect(own).toMatchObject({ codeVersion: 2, codeSource: "attendee" });
    expect(
      await store.attendees.replaceCode(event.id, ada.id, {
        ...code("x", true),
        codeFingerprint: Buffer.from("fp-bob@example.com"),
      }),
    ).toBe("code-taken");
    expect(await store.attendees.replaceCode(event.id, 99_999, code("y", true))).toBeUndefined();
    expect((await store.attendees.byEmail(event.id, "ada@example.com"))?.codeHash).toBe(
      "hash-mine",
    );
  });

  it("re-seals every code in one write, and tells a send's live claims", async () => {
    const seals = await store.attendees.seals();
    expect(seals.map((s) => s.email).sort()).toEqual(["ada@example.com", "bob@example.com"]);
    await store.transaction((tx) =>
      tx.attendees.resealMany(
        seals.map((s) => ({
          id: s.id,
          sealed: Buffer.from(`resealed-${s.email}`),
          fingerprint: Buffer.from(`refp-${s.email}`),
        })),
      ),
    );
    const bob = await store.attendees.byEmail(event.id, "bob@example.com");
    expect(bob?.codeSealed.toString()).toBe("resealed-bob@example.com");
    expect(bob?.codeFingerprint.toString()).toBe("refp-bob@example.com");
    expect(await store.deliveries.liveClaims(AT)).toEqual([]);
  });
}

contractOnEachDialect("codes", contract);
