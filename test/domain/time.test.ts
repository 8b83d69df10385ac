import { describe, expect, it } from "vitest";
import {
  canonicalZone,
  parseDateTime,
  resolveDateTime,
  TimeInputError,
  zoneOffsetMinutes,
} from "../../src/domain/time.js";

const iso = (input: string, zone?: string | null) => resolveDateTime(input, zone).toISOString();

function refusal(fn: () => unknown): TimeInputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TimeInputError) return error;
    throw error;
  }
  throw new Error("expected a TimeInputError");
}

describe("resolveDateTime", () => {
  it.each([
    ["2026-05-04T09:00:00Z", "2026-05-04T09:00:00.000Z"],
    ["2026-05-04T09:00:00.250z", "2026-05-04T09:00:00.250Z"],
    ["2026-05-04T09:00+02:00", "2026-05-04T07:00:00.000Z"],
    ["2026-05-04T09:00-0530", "2026-05-04T14:30:00.000Z"],
    ["2026-05-04 09:00+01", "2026-05-04T08:00:00.000Z"],
    ["2028-02-29T12:00Z", "2028-02-29T12:00:00.000Z"],
  ])("takes %s with an offset as that instant, whatever the zone", (input, expected) => {
    expect(iso(input)).toBe(expected);
    expect(iso(input, "Asia/Tokyo")).toBe(expected);
  });

  it.each([
    // Europe/Madrid: CEST (+2) in summer, CET (+1) in winter.
    ["2026-05-04T09:00", "Europe/Madrid", "2026-05-04T07:00:00.000Z"],
    ["2026-12-01T09:00", "Europe/Madrid", "2026-12-01T08:00:00.000Z"],
    ["2026-05-04", "Europe/Madrid", "2026-05-03T22:00:00.000Z"],
    // The days the clocks change, either side of the change.
    ["2026-03-29T01:59", "Europe/Madrid", "2026-03-29T00:59:00.000Z"],
    ["2026-03-29T03:00", "Europe/Madrid", "2026-03-29T01:00:00.000Z"],
    ["2026-03-08T09:00", "America/New_York", "2026-03-08T13:00:00.000Z"],
    ["2026-03-07T09:00", "America/New_York", "2026-03-07T14:00:00.000Z"],
    // Southern hemisphere: summer time in January.
    ["2026-01-15T18:00", "Australia/Sydney", "2026-01-15T07:00:00.000Z"],
    ["2026-07-15T18:00", "Australia/Sydney", "2026-07-15T08:00:00.000Z"],
    // Half-hour zone without DST, and UTC itself.
    ["2026-05-04T09:00", "Asia/Kolkata", "2026-05-04T03:30:00.000Z"],
    ["2026-05-04T09:00", "UTC", "2026-05-04T09:00:00.000Z"],
  ])("reads %s in %s", (input, zone, expected) => {
    expect(iso(input, zone)).toBe(expected);
  });

  it("takes the first of a wall-clock time the clocks pass twice (autumn)", () => {
    // 2026-10-25 in Madrid: 02:30 CEST (00:30Z) and then 02:30 CET (01:30Z).
    expect(iso("2026-10-25T02:30", "Europe/Madrid")).toBe("2026-10-25T00:30:00.000Z");
    expect(iso("2026-10-25T03:30", "Europe/Madrid")).toBe("2026-10-25T02:30:00.000Z");
  });

  it("refuses a wall-clock time the clocks skip (spring)", () => {
    const e = refusal(() => resolveDateTime("2026-03-29T02:30", "Europe/Madrid"));
    expect(e.reason).toBe("skipped");
    expect(e.message).toBe(
      "2026-03-29T02:30 does not exist in Europe/Madrid: the clocks skip it (daylight saving time starts)",
    );
  });

  it("refuses a time without an offset when there is no zone", () => {
    const e = refusal(() => resolveDateTime("2026-05-04T09:00", null));
    expect(e.reason).toBe("needs-zone");
    expect(e.message).toBe('"2026-05-04T09:00" has no UTC offset and the event has no time zone');
  });
});

describe("parseDateTime refuses impossible and malformed times", () => {
  it.each([
    ["2026-02-30", "February 2026 has 28 days"],
    ["2026-02-29T10:00Z", "February 2026 has 28 days"],
    ["2026-04-31T10:00Z", "April 2026 has 30 days"],
    ["2026-13-01", "there is no month 13"],
    ["2026-00-10", "there is no month 0"],
    ["2026-05-00", "May 2026 has 31 days"],
    ["2026-05-04T25:00", "there is no hour 25 (00-23)"],
    ["2026-05-04T24:00Z", "there is no hour 24 (00-23)"],
    ["2026-05-04T09:60Z", "there is no minute 60 (00-59)"],
    ["2026-05-04T09:00:61Z", "there is no second 61 (00-59)"],
    ["2026-05-04T09:00+15:00", "+15:00 is not a UTC offset (-14:00 to +14:00)"],
  ])("%s: %s", (input, problem) => {
    const e = refusal(() => parseDateTime(input));
    expect(e.reason).toBe("impossible");
    expect(e.message).toBe(`"${input}" is not a real time: ${problem}`);
  });

  it.each(["nonsense", "", "04/05/2026", "2026-5-4", "2026-05-04T9:00", "2026-05-04T09:00 CET"])(
    "%j is not ISO",
    (input) => {
      expect(refusal(() => parseDateTime(input)).reason).toBe("syntax");
    },
  );
});

describe("canonicalZone", () => {
  it.each([
    ["Europe/Madrid", "Europe/Madrid"],
    ["europe/madrid", "Europe/Madrid"],
    [" UTC ", "UTC"],
    ["America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"],
    ["Asia/Kolkata", "Asia/Kolkata"],
    ["asia/kolkata", "Asia/Kolkata"],
    ["Europe/Kyiv", "Europe/Kyiv"],
  ])("%j is %s", (input, zone) => {
    expect(canonicalZone(input)).toBe(zone);
  });

  it.each([
    ["Europe/Madird", 'unknown time zone "Europe/Madird" (did you mean Europe/Madrid?)'],
    ["Mars/Olympus", 'unknown time zone "Mars/Olympus"'],
    ["+02:00", 'unknown time zone "+02:00"'],
    ["", 'unknown time zone ""'],
  ])("refuses %j", (input, message) => {
    const e = refusal(() => canonicalZone(input));
    expect(e.reason).toBe("unknown-zone");
    expect(e.message).toBe(message);
  });
});

describe("zoneOffsetMinutes", () => {
  it("follows daylight saving time", () => {
    expect(zoneOffsetMinutes(new Date("2026-05-04T07:00:00Z"), "Europe/Madrid")).toBe(120);
    expect(zoneOffsetMinutes(new Date("2026-12-04T07:00:00Z"), "Europe/Madrid")).toBe(60);
    expect(zoneOffsetMinutes(new Date("2026-05-04T07:00:00.999Z"), "America/St_Johns")).toBe(-150);
  });
});
