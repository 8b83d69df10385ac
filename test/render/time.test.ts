import { describe, expect, it } from "vitest";
import { formatTime, lockEndText, zoneLabel } from "../../src/render/time.js";

const at = "2026-05-04T09:00:41.123Z";

describe("formatTime", () => {
  it("shows a time in the event's zone, to the minute, with the zone named", () => {
    expect(formatTime(at, { zone: "Europe/Madrid" })).toBe("4 May 2026, 11:00 (Europe/Madrid)");
    expect(formatTime(new Date("2026-12-04T09:00:00Z"), { zone: "Europe/Madrid" })).toBe(
      "4 December 2026, 10:00 (Europe/Madrid)",
    );
    expect(formatTime(at, { zone: "America/Los_Angeles" })).toBe(
      "4 May 2026, 02:00 (America/Los_Angeles)",
    );
    expect(formatTime("2026-05-04T23:30:00Z", { zone: "Asia/Tokyo" })).toBe(
      "5 May 2026, 08:30 (Asia/Tokyo)",
    );
  });

  it("is UTC, named, for an event without a zone", () => {
    expect(formatTime(at)).toBe("4 May 2026, 09:00 (UTC)");
    expect(formatTime(at, { zone: null })).toBe("4 May 2026, 09:00 (UTC)");
    expect(zoneLabel(null)).toBe("UTC");
  });

  it.each([
    ["en", "4 May 2026, 11:00 (Europe/Madrid)"],
    ["es", "4 de mayo de 2026, 11:00 (Europe/Madrid)"],
    ["fr", "4 mai 2026, 11:00 (Europe/Madrid)"],
    ["de", "4. Mai 2026, 11:00 (Europe/Madrid)"],
    ["pt", "4 de maio de 2026, 11:00 (Europe/Madrid)"],
  ])("writes dates for %s", (locale, expected) => {
    expect(formatTime(at, { zone: "Europe/Madrid", locale })).toBe(expected);
  });

  it("has a short style for table columns and a time-only style", () => {
    expect(formatTime(at, { zone: "Europe/Madrid", style: "short" })).toBe("2026-05-04 11:00:41");
    expect(formatTime("2026-05-04T22:00:00Z", { zone: "Europe/Madrid", style: "short" })).toBe(
      "2026-05-05 00:00:00",
    );
    expect(formatTime(at, { zone: "Europe/Madrid", style: "time" })).toBe("11:00 (Europe/Madrid)");
  });

  it("never shows milliseconds", () => {
    for (const style of ["long", "short", "time"] as const) {
      expect(formatTime(at, { style })).not.toMatch(/\.\d|123/);
    }
  });

  it("shows what is not a time as it is", () => {
    expect(formatTime("not a time")).toBe("not a time");
  });
});

describe("lockEndText", () => {
  it("is the minute the lock ends, rounded up, in the event's zone, named", () => {
    expect(lockEndText("2026-05-04T08:42:00.000Z", "Europe/Madrid")).toBe("10:42 (Europe/Madrid)");
    expect(lockEndText("2026-05-04T08:41:00.001Z", "Europe/Madrid")).toBe("10:42 (Europe/Madrid)");
    expect(lockEndText("2026-01-10T23:05:00.000Z", "America/New_York")).toBe(
      "18:05 (America/New_York)",
    );
  });

  it("is UTC, named, for an event without a zone", () => {
    expect(lockEndText("2026-05-04T08:59:30.000Z", null)).toBe("09:00 (UTC)");
  });
});
