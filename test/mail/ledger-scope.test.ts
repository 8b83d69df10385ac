import { describe, expect, it } from "vitest";
import { DeliveryLedger, ownerId } from "../../src/mail/ledger.js";
import { campaigns, events } from "../../src/store/schema.js";
import type { Workspace } from "../../src/store/workspace.js";
import { benchPerTest, SAMPLE_CSV } from "../helpers/workspace.js";
import { sqliteOf } from "../helpers/sqlite.js";

const bench = benchPerTest();

function ledger(ws: Workspace, eventId: number, campaignId: number | null): DeliveryLedger {
  return new DeliveryLedger(ws, {
    eventId,
    template: "reminder",
    purpose: campaignId === null ? "send" : "campaign",
    campaignId,
    owner: ownerId(),
    onlyDue: true,
    now: () => new Date("2026-05-04T09:00:00Z"),
  });
}

describe("the delivery ledger's campaign scope", () => {
  it("gives each campaign its own once-per-attendee, apart from the plain send", async () => {
    const b = bench();
    b.file("attendees.csv", SAMPLE_CSV);
    expect((await b.run(["import", "attendees.csv", "--event", "summit", "--yes"])).code).toBe(0);
    const ws = await b.open();
    try {
      const event = sqliteOf(ws).db.select().from(events).get();
      if (!event) throw new Error("no event");
      const [first, second] = [1, 2].map(
        (n) =>
          sqliteOf(ws)
            .db.insert(campaigns)
            .values({
              eventId: event.id,
              template: "reminder",
              audience: "all",
              whenText: `-${n}h`,
              status: "running",
              createdAt: "2026-05-04T08:00:00Z",
            })
            .returning()
            .get().id,
      );
      const ids = [1, 2, 3];
      const sendAll = async (l: DeliveryLedger) => {
        const claims = await l.claim(ids);
        await Promise.all(
          claims.map((c) =>
            l.settle(c.deliveryId, {
              status: "sent",
              messageId: "m",
              response: "250",
              attempts: 1,
            }),
          ),
        );
        return claims.length;
      };
      expect(await sendAll(ledger(ws, event.id, first ?? 0))).toBe(3);
      // Once per attendee per campaign: a resumed run of the same campaign claims nobody.
      expect(await ledger(ws, event.id, first ?? 0).claim(ids)).toHaveLength(0);
      // Another campaign with the same template sends again, and the plain send is not blocked.
      expect(await sendAll(ledger(ws, event.id, second ?? 0))).toBe(3);
      expect(await sendAll(ledger(ws, event.id, null))).toBe(3);
      expect(await ledger(ws, event.id, null).claim(ids)).toHaveLength(0);
    } finally {
      void ws.close();
    }
  });
});
