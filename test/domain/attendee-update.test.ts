import { describe, expect, it } from "vitest";
import { describeChanges, planAttendeeUpdate } from "../../src/domain/attendee-update.js";
import type { AttendeeRow } from "../../src/store/schema.js";

const ROW: AttendeeRow = {
  id: 7,
  eventId: 1,
  email: "ada@exmaple.com",
  firstName: "Ada",
  lastName: "Lovelace",
  fields: JSON.stringify({ company: "Analytical Engines", badge: "" }),
  codeHash: "$argon2id$…",
  codeSealed: Buffer.alloc(0),
  codeFingerprint: Buffer.alloc(0),
  codeVersion: 1,
  codeSource: "generated",
  codeChangedAt: "2026-05-04T09:00:00.000Z",
  lockClearedAfter: null,
  createdAt: "2026-05-04T09:00:00.000Z",
  updatedAt: "2026-05-04T09:00:00.000Z",
};

describe("planAttendeeUpdate", () => {
  it("lists what changes, in order: email, names, then fields", () => {
    const result = planAttendeeUpdate(ROW, {
      email: "ada@example.com",
      lastName: "King",
      fields: [
        ["company", ""],
        ["track", "AI"],
      ],
    });
    expect(result).toEqual({
      ok: true,
      plan: {
        email: "ada@example.com",
        firstName: "Ada",
        lastName: "King",
        fields: { badge: "", track: "AI" },
        changes: [
          { what: "email", from: "ada@exmaple.com", to: "ada@example.com" },
          { what: "last_name", from: "Lovelace", to: "King" },
          { what: "company", from: "Analytical Engines", to: null },
          { what: "track", from: null, to: "AI" },
        ],
      },
    });
    if (result.ok) {
      expect(describeChanges(result.plan.changes)).toBe(
        'email "ada@exmaple.com" → "ada@example.com"; last_name "Lovelace" → "King"; company removed (was "Analytical Engines"); track added: "AI"',
      );
    }
  });

  it("a field set twice ends with the last value; setting what is there changes nothing", () => {
    const result = planAttendeeUpdate(ROW, {
      firstName: "Ada",
      fields: [
        ["company", "X"],
        ["company", "Analytical Engines"],
      ],
    });
    expect(result.ok && result.plan.changes).toEqual([]);
  });

  it("an empty field that exists can be removed; one that does not is refused", () => {
    const removed = planAttendeeUpdate(ROW, { fields: [["badge", ""]] });
    expect(removed.ok && removed.plan.fields).toEqual({ company: "Analytical Engines" });
    expect(planAttendeeUpdate(ROW, { fields: [["nope", ""]] })).toEqual({
      ok: false,
      reason: "ada@exmaple.com has no field nope to remove (fields: company, badge)",
    });
  });
});
