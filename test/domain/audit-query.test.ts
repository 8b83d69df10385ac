import { describe, expect, it } from "vitest";
import { parseSince } from "../../src/domain/audit-query.js";

const NOW = new Date("2026-05-04T09:00:00.000Z");

describe("parseSince", () => {
  it.each([
    ["30m", "2026-05-04T08:30:00.000Z"],
    ["2h", "2026-05-04T07:00:00.000Z"],
    ["3d", "2026-05-01T09:00:00.000Z"],
    ["1w", "2026-04-27T09:00:00.000Z"],
    [" 2 H ", "2026-05-04T07:00:00.000Z"],
    ["2026-05-01", "2026-05-01T00:00:00.000Z"],
    ["2026-05-01T12:30:00Z", "2026-05-01T12:30:00.000Z"],
    ["2026-05-01T12:30:00+02:00", "2026-05-01T10:30:00.000Z"],
  ])("%j is %s", (input, expected) => {
    expect(parseSince(input, NOW)).toBe(expected);
  });

  it("reads a time without an offset in the event's zone", () => {
    expect(parseSince("2026-05-01T12:30", NOW, "Europe/Madrid")).toBe("2026-05-01T10:30:00.000Z");
    expect(parseSince("2026-05-01", NOW, "Europe/Madrid")).toBe("2026-04-30T22:00:00.000Z");
    expect(parseSince("2026-05-01T12:30Z", NOW, "Europe/Madrid")).toBe("2026-05-01T12:30:00.000Z");
    expect(parseSince("2h", NOW, "Europe/Madrid")).toBe("2026-05-04T07:00:00.000Z");
  });

  it.each(["", "yesterday", "2h ago", "-2h", "5y", "2026-13-45", "2026-02-30", "05/01/2026"])(
    "%j means nothing",
    (input) => {
      expect(parseSince(input, NOW)).toBeUndefined();
    },
  );
});
