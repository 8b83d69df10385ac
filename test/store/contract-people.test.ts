/**
 * The store seam's contract for the groups an event day reads and writes most (attendees, their
 * standing, logins and the lockout's evidence, venue keys, action links, deliveries' counts),
 * held to both dialects through `Store` alone. Rows the seam cannot write yet (attendees,
 * deliveries) are put in with each dialect's own SQL.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, expect, it } from "vitest";
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

interface Person {
  email: string;
  first?: string;
  last?: string;
  version?: number;
}

/**
 * What the lockout does in one transaction: hold the email, count its failures, record a new
 * attempt only while fewer than five count, settle it as a failure. True if it was recorded.
 */
async function guess(store: Store, eventId: number, minute: number): Promise<boolean> {
  return store.transaction(async (tx) => {
    await tx.logins.holdEmail(eventId, "target@example.com");
    const failures = await tx.logins.failures(eventId, AT, "target@example.com");
    if (failures.length >= 5) return false;
    // As long as an argon2 verification would take, so that an unheld count would be stale.
    await sleep(20);
    const id = await tx.logins.insertAttempt({
      eventId,
      attendeeId: null,
      email: "target@example.com",
      outcome: "pending",
      source: "api",
      at: at(minute),
    });
    await tx.logins.settleAttempt(id, false, "unknown-email");
    return true;
  });
}

/** Two stores on one workspace (two processes' worth): 30 guesses spread over both. */
function heldAcrossStores(opened: () => ContractStores) {
  it("holds an email's count and insert together across stores: 30 parallel guesses, 5 recorded", async () => {
    const { store: first, stores } = opened();
    const event = await first.events.insert(eventValues("held", AT));
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => guess(stores[i % stores.length] ?? first, event.id, 1)),
    );
    expect(results.filter(Boolean)).toHaveLength(5);
    expect(await first.logins.failures(event.id, AT, "target@example.com")).toHaveLength(5);
  });
}

function contract(opened: () => ContractStores) {
  let store: Store;
  let raw: Raw;
  let event: EventRow;
  let other: EventRow;

  beforeAll(async () => {
    ({ store, raw } = opened());
    event = await store.events.insert(eventValues("summit", AT));
    other = await store.events.insert(eventValues("other", AT));
  });

  const attendee = (e: EventRow, p: Person): Promise<number> =>
    raw(
      `INSERT INTO attendees (event_id, email, first_name, last_name, fields, code_hash, code_sealed, code_fingerprint, code_version, code_source, code_changed_at, created_at, updated_at) VALUES (?, ?, ?, ?, '{"company":"ACME"}', ?, ?, ?, ?, 'generated', ?, ?, ?) RETURNING id`,
      [
        e.id,
        p.email,
        p.first ?? "",
        p.last ?? "",
        `hash-${p.email}`,
        Buffer.from(`sealed-${p.email}`),
        Buffer.from(`fp-${p.email}`),
        p.version ?? 1,
        AT,
        AT,
        AT,
      ],
    );
  const delivery = (e: EventRow, id: number, status: string, version: number, purpose = "send") =>
    raw(
      `INSERT INTO deliveries (event_id, attendee_id, template, purpose, code_version, status, response, attempts, created_at, updated_at) VALUES (?, ?, 'credentials', ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
      [e.id, id, purpose, version, status, status === "failed" ? "550 no such user" : null, AT, AT],
    );

  it("keeps venue keys: by id, name and digest, listed with their event, touched, removed", async () => {
    const all = await store.venueKeys.insert({
      name: "hub",
      eventId: null,
      keyHash: "digest-hub",
      createdAt: AT,
    });
    const bound = await store.venueKeys.insert({
      name: "stage",
      eventId: event.id,
      keyHash: "digest-stage",
      createdAt: AT,
    });
    await expect(
      store.venueKeys.insert({ name: "hub", eventId: null, keyHash: "other", createdAt: AT }),
    ).rejects.toThrow();
    expect(await store.venueKeys.byName("stage")).toEqual(bound);
    expect(await store.venueKeys.byId(all.id)).toEqual(all);
    expect(await store.venueKeys.byDigest("digest-hub")).toEqual(all);
    expect(await store.venueKeys.byDigest("nope")).toBeUndefined();
    await store.venueKeys.touch(all.id, at(5));
    expect(
      (await store.venueKeys.list()).map((r) => [r.key.name, r.slug, r.key.lastUsedAt]),
    ).toEqual([
      ["hub", null, at(5)],
      ["stage", "summit", null],
    ]);
    await store.venueKeys.remove(bound.id);
    expect(await store.venueKeys.byName("stage")).toBeUndefined();
  });

  it("links a template per event and action: set replaces, remove drops it", async () => {
    expect(await store.links.template(event.id, "resend")).toBeUndefined();
    await store.links.set(event.id, "resend", "credentials");
    await store.links.set(event.id, "reset", "code-reset");
    await store.links.set(event.id, "resend", "reminder");
    expect(await store.links.template(event.id, "resend")).toBe("reminder");
    expect(await store.links.list(event.id)).toEqual([
      { action: "resend", template: "reminder" },
      { action: "reset", template: "code-reset" },
    ]);
    expect(await store.links.list(other.id)).toEqual([]);
    await store.links.remove(event.id, "reset");
    expect(await store.links.template(event.id, "reset")).toBeUndefined();
  });

  it("tells where each attendee stands, about their current code only", async () => {
    const sent = await attendee(event, {
      email: "sent@example.com",
      first: "José",
      last: "García",
    });
    const failed = await attendee(event, { email: "failed@example.com" });
    const pending = await attendee(event, { email: "pending@example.com" });
    // Sent once, but for an earlier code: due again, and that earlier send does not count.
    const resetSince = await attendee(event, { email: "reset@example.com", version: 2 });
    const loggedIn = await attendee(event, { email: "in@example.com" });
    await attendee(other, { email: "sent@example.com" });
    await delivery(event, sent, "failed", 1);
    await delivery(event, sent, "sent", 1);
    await delivery(event, failed, "failed", 1);
    await delivery(event, pending, "pending", 1);
    await delivery(event, resetSince, "sent", 1);
    await delivery(event, loggedIn, "sent", 1);
    const login = await store.logins.insertAttempt({
      eventId: event.id,
      attendeeId: loggedIn,
      email: "in@example.com",
      outcome: "pending",
      source: "api",
      at: at(1),
    });
    await store.logins.settleAttempt(login, true, "ok");

    const all = await store.attendees.standings({ eventId: event.id, locked: [] });
    expect(all.map((a) => [a.email, a.sent, a.failed, a.pending, a.loggedIn])).toEqual([
      ["sent@example.com", true, false, false, false],
      ["failed@example.com", false, true, false, false],
      ["pending@example.com", false, false, true, false],
      ["reset@example.com", false, false, false, false],
      ["in@example.com", true, false, false, true],
    ]);
    expect(all[1]).toMatchObject({
      deliveryError: "550 no such user",
      fields: '{"company":"ACME"}',
    });
    expect(all[4]).toMatchObject({ lastLoginAt: at(1), lastDeliveryAt: AT });
    expect(all[0]?.firstName).toBe("José");

    const emails = async (filter: Parameters<Store["attendees"]["standings"]>[0]) =>
      (await store.attendees.standings(filter)).map((a) => a.email);
    const base = { eventId: event.id, locked: [] as string[] };
    expect(await emails({ ...base, status: "unsent" })).toEqual([
      "failed@example.com",
      "pending@example.com",
      "reset@example.com",
    ]);
    expect(await emails({ ...base, status: "sent" })).toEqual([
      "sent@example.com",
      "in@example.com",
    ]);
    expect(await emails({ ...base, status: "failed" })).toEqual(["failed@example.com"]);
    expect(await emails({ ...base, status: "logged-in" })).toEqual(["in@example.com"]);
    expect(await emails({ ...base, status: "locked" })).toEqual([]);
    expect(await emails({ ...base, status: "locked", locked: ["pending@example.com"] })).toEqual([
      "pending@example.com",
    ]);
    // The search is folded by the caller; the store folds the names the same way.
    expect(await emails({ ...base, search: "garcia" })).toEqual(["sent@example.com"]);
    expect(await emails({ ...base, search: "jose g" })).toEqual(["sent@example.com"]);
    expect(await emails({ ...base, search: "%" })).toEqual([]);
    expect(await emails({ ...base, limit: 2 })).toEqual(["sent@example.com", "failed@example.com"]);
    expect(await store.attendees.countMatching({ ...base, status: "unsent", limit: 1 })).toBe(3);
    expect(await store.attendees.count(event.id)).toBe(5);
    expect(await store.attendees.count(other.id)).toBe(1);
    expect((await store.attendees.names(event.id)).map((n) => n.lastName)).toContain("García");
    expect((await store.attendees.deliveries(sent)).map((d) => d.status)).toEqual([
      "sent",
      "failed",
    ]);
    expect(await store.attendees.logins(loggedIn, 50)).toEqual([
      { ok: true, outcome: "ok", at: at(1) },
    ]);
  });

  it("updates an attendee, refusing another attendee's email, and replaces a hash only if unchanged", async () => {
    const row = await store.attendees.byEmail(event.id, "failed@example.com");
    if (!row) throw new Error("no attendee");
    expect(
      await store.attendees.update(row.id, { email: "sent@example.com" }, { clearLock: false }),
    ).toBe("email-taken");
    expect(await store.attendees.byEmail(event.id, "failed@example.com")).toEqual(row);
    expect(
      await store.attendees.update(
        row.id,
        { email: "fixed@example.com", firstName: "Ada", updatedAt: at(2) },
        { clearLock: false },
      ),
    ).toBe("updated");
    const fixed = await store.attendees.byEmail(event.id, "fixed@example.com");
    expect(fixed).toMatchObject({ id: row.id, firstName: "Ada", updatedAt: at(2) });
    await store.attendees.replaceHash(row.id, "not what it is", "new-hash");
    expect((await store.attendees.byEmail(event.id, "fixed@example.com"))?.codeHash).toBe(
      row.codeHash,
    );
    await store.attendees.replaceHash(row.id, row.codeHash, "new-hash");
    expect((await store.attendees.byEmail(event.id, "fixed@example.com"))?.codeHash).toBe(
      "new-hash",
    );
    expect(Buffer.isBuffer(fixed?.codeSealed)).toBe(true);
  });

  it("counts failures in the window, oldest first, until the lock is cleared", async () => {
    const id = await attendee(event, { email: "guess@example.com" });
    const fail = async (minute: number, email = "guess@example.com") => {
      const attempt = await store.logins.insertAttempt({
        eventId: event.id,
        attendeeId: email === "guess@example.com" ? id : null,
        email,
        outcome: "pending",
        source: "page",
        at: at(minute),
      });
      await store.logins.settleAttempt(attempt, false, "wrong-code");
    };
    await fail(10);
    await fail(11);
    await fail(12, "nobody@example.com");
    await store.logins.insertAttempt({
      eventId: event.id,
      attendeeId: id,
      email: "guess@example.com",
      outcome: "locked",
      source: "api",
      at: at(13),
    });
    const pending = await store.logins.insertAttempt({
      eventId: event.id,
      attendeeId: id,
      email: "guess@example.com",
      outcome: "pending",
      source: "api",
      at: at(14),
    });
    const mine = await store.logins.failures(event.id, at(10), "guess@example.com");
    expect(mine).toEqual([
      { email: "guess@example.com", at: at(11), outcome: "wrong-code" },
      { email: "guess@example.com", at: at(14), outcome: "pending" },
    ]);
    expect((await store.logins.failures(event.id, at(0))).map((f) => [f.email, f.at])).toEqual([
      ["guess@example.com", at(10)],
      ["guess@example.com", at(11)],
      ["guess@example.com", at(14)],
      ["nobody@example.com", at(12)],
    ]);
    await store.logins.settleAttempt(pending, false, "wrong-code");
    await store.attendees.clearLock(id, at(15));
    expect(await store.logins.failures(event.id, at(0), "guess@example.com")).toEqual([]);
    await fail(16);
    expect(await store.logins.failures(event.id, at(0), "guess@example.com")).toHaveLength(1);
    // An unknown email has no attendee to clear: its failures keep counting.
    expect(await store.logins.failures(event.id, at(0), "nobody@example.com")).toHaveLength(1);
    expect((await store.logins.countsByOutcome()).filter((c) => c.event === "summit")).toEqual([
      { event: "summit", outcome: "locked", count: 1 },
      { event: "summit", outcome: "ok", count: 1 },
      { event: "summit", outcome: "wrong-code", count: 5 },
    ]);
  });

  it("counts deliveries by status, and the self-service emails of the last hour", async () => {
    const id = await attendee(event, { email: "forgot@example.com" });
    await delivery(event, id, "sent", 1, "self-service");
    await delivery(event, id, "failed", 1, "self-service");
    await delivery(event, id, "sent", 1, "resend");
    expect(await store.deliveries.selfServiceSince(id, at(-1))).toBe(2);
    expect(await store.deliveries.selfServiceSince(id, AT)).toBe(0);
    const summit = (await store.deliveries.countsByStatus()).filter((c) => c.event === "summit");
    expect(summit).toEqual([
      { event: "summit", status: "failed", count: 3 },
      { event: "summit", status: "pending", count: 1 },
      { event: "summit", status: "sent", count: 5 },
    ]);
  });

  it("finds an attendee's import and code changes in the audit trail", async () => {
    const entry = (action: string, attendeeId: number | null, when: string, summary = "") =>
      store.audit.insert({
        actor: "organizer",
        at: when,
        action,
        eventId: event.id,
        attendeeId,
        email: null,
        summary,
      });
    await entry("import", null, AT, "imported 5");
    await entry("code.reset", 7, at(1), "reset by organizer");
    await entry("attendee.update", 7, at(2));
    await entry("code.attendee-set", 7, at(3), "chosen");
    await entry("code.reset", 7, at(-5), "before they were registered");
    expect(await store.audit.importedBy(event.id, AT)).toBe("organizer");
    expect(await store.audit.importedBy(event.id, at(1))).toBeUndefined();
    expect((await store.audit.codeChanges(7, AT)).map((c) => c.summary)).toEqual([
      "reset by organizer",
      "chosen",
    ]);
  });

  it("counts an event's figures as the attendees list shows them", async () => {
    expect(await store.stats.people(event.id)).toEqual({
      attendees: 7,
      sent: 3,
      failed: 1,
      pending: 1,
      loggedIn: 1,
    });
    expect(await store.stats.attempts(event.id)).toEqual({ ok: 1, failed: 6 });
    expect(await store.stats.lastLogin(event.id)).toBe(at(1));
    expect(await store.stats.loggedInBySource(event.id)).toEqual([{ source: "api", n: 1 }]);
    expect(await store.stats.templateStatuses(event.id)).toEqual([
      { template: "credentials", status: "failed", n: 1 },
      { template: "credentials", status: "pending", n: 1 },
      { template: "credentials", status: "sent", n: 4 },
    ]);
    expect(await store.stats.loginTimes(event.id, AT)).toEqual([at(1)]);
    expect(await store.stats.people(other.id)).toMatchObject({ attendees: 1, sent: 0 });
    const ids = (await store.attendees.page(event.id, 0, 3)).map((a) => a.id);
    expect(ids).toHaveLength(3);
    const rest = await store.attendees.page(event.id, ids[2] ?? 0, 100);
    expect(rest).toHaveLength(4);
    expect(rest.every((a) => a.id > (ids[2] ?? 0))).toBe(true);
  });

  it("reads the audit trail back, newest first, by event, attendee (any email they had) and time", async () => {
    await store.audit.insert({
      actor: "organizer",
      at: at(30),
      action: "attendee.update",
      eventId: event.id,
      attendeeId: 7,
      email: "old@example.com",
      summary: "email changed",
    });
    await store.audit.insert({
      actor: "organizer",
      at: at(31),
      action: "key.rotate",
      eventId: null,
      attendeeId: null,
      email: null,
      summary: "workspace-wide",
    });
    const first = await store.audit.page({ eventId: event.id, limit: 2 });
    expect(first.entries.map((e) => e.summary)).toEqual(["workspace-wide", "email changed"]);
    expect(first.entries[1]?.event).toBe("summit");
    expect(first.entries[0]?.event).toBeNull();
    expect(first.total).toBe(7);
    const about = await store.audit.page({ email: "old@example.com" });
    expect(about.entries.map((e) => e.summary)).toEqual([
      "email changed",
      "chosen",
      "",
      "reset by organizer",
      "before they were registered",
    ]);
    expect((await store.audit.page({ since: at(31) })).total).toBe(1);
    expect((await store.audit.page({ eventId: other.id })).total).toBe(1);
  });

  it("removes an attendee with their deliveries; their logins stay for the metrics", async () => {
    const row = await store.attendees.byEmail(event.id, "in@example.com");
    if (!row) throw new Error("no attendee");
    await store.attendees.remove(row.id);
    expect(await store.attendees.byEmail(event.id, "in@example.com")).toBeUndefined();
    expect(await store.attendees.deliveries(row.id)).toEqual([]);
    expect((await store.logins.countsByOutcome()).find((c) => c.outcome === "ok")?.count).toBe(1);
  });
}

contractOnEachDialect("people", contract);
// On SQLite the hold is the file's write lock; two connections in one process would wait on
// each other synchronously, so it is held across processes by the server's lockout tests.
contractOnEachDialect("the lockout's hold, two pools", heldAcrossStores, {
  stores: 2,
  dialects: ["postgres"],
});
