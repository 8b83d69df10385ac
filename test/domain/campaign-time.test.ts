import { describe, expect, it } from "vitest";
import {
  campaignDueAt,
  type CampaignEventTime,
  CampaignTimeError,
  parseCampaignWhen,
  planCampaignTime,
} from "../../src/domain/campaign-time.js";

// Europe/Madrid springs forward on Sunday 29 March 2026 (02:00 CET → 03:00 CEST).
const madrid: CampaignEventTime = {
  startsAt: "2026-03-29T08:00:00.000Z",
  timezone: "Europe/Madrid",
}; // 10:00 CEST
const now = new Date("2026-03-01T00:00:00Z");

function due(when: string, event = madrid): string | undefined {
  return planCampaignTime(when, event, now).dueAt.toISOString();
}

function refusal(when: string, event = madrid, at = now): CampaignTimeError {
  try {
    planCampaignTime(when, event, at);
  } catch (error) {
    if (error instanceof CampaignTimeError) return error;
    throw error;
  }
  throw new Error(`${when} was accepted`);
}

describe("campaign times", () => {
  it("offsets are exact durations before the start", () => {
    expect(due("-3h")).toBe("2026-03-29T05:00:00.000Z");
    expect(due("-90m")).toBe("2026-03-29T06:30:00.000Z");
    expect(due("+30m")).toBe("2026-03-29T08:30:00.000Z");
  });

  it("days are calendar days in the event's zone, across a daylight-saving change", () => {
    // 10:00 the day before is 10:00 CET, 25 hours earlier, not 24.
    expect(due("-1d")).toBe("2026-03-28T09:00:00.000Z");
    // 09:00 CET on Saturday 28 March.
    expect(due("-1d@09:00")).toBe("2026-03-28T08:00:00.000Z");
    expect(due("-0d@08:00")).toBe("2026-03-29T06:00:00.000Z");
    // And back in October (03:00 CEST → 02:00 CET on the 25th).
    const autumn = { startsAt: "2026-10-26T09:00:00.000Z", timezone: "Europe/Madrid" }; // 10:00 CET
    expect(due("-1d@09:00", autumn)).toBe("2026-10-25T08:00:00.000Z");
    expect(due("-2d@09:00", autumn)).toBe("2026-10-24T07:00:00.000Z");
  });

  it("@HH:MM counts days from the start's date in the event's zone, not UTC's", () => {
    // 08:00 on 4 May in Auckland is still 3 May in UTC.
    const auckland = { startsAt: "2026-05-03T20:00:00.000Z", timezone: "Pacific/Auckland" };
    expect(due("-1d@09:00", auckland)).toBe("2026-05-02T21:00:00.000Z");
    // Without a zone, the day and the hour are UTC's.
    expect(due("-1d@09:00", { startsAt: "2026-05-04T08:00:00.000Z", timezone: null })).toBe(
      "2026-05-03T09:00:00.000Z",
    );
  });

  it("a wall time the clocks skip runs just past the gap", () => {
    const monday = { startsAt: "2026-03-30T00:30:00.000Z", timezone: "Europe/Madrid" }; // 02:30 CEST
    expect(due("-1d@02:30", monday)).toBe("2026-03-29T01:30:00.000Z"); // 03:30 CEST
  });

  it("ISO times: with an offset as given, without one in the event's zone", () => {
    expect(due("2026-03-20T18:00+02:00")).toBe("2026-03-20T16:00:00.000Z");
    expect(due("2026-03-20T18:00")).toBe("2026-03-20T17:00:00.000Z"); // CET
    // A fixed time does not need a start, and does not move with it.
    const when = parseCampaignWhen("2026-03-20T18:00Z", null);
    expect(campaignDueAt(when, { startsAt: null, timezone: null })?.toISOString()).toBe(
      "2026-03-20T18:00:00.000Z",
    );
  });

  it("relative times follow the event's start", () => {
    const when = parseCampaignWhen("-1d@09:00", "Europe/Madrid");
    expect(
      campaignDueAt(when, { startsAt: "2026-06-10T07:00:00Z", timezone: "Europe/Madrid" }),
    ).toEqual(new Date("2026-06-09T07:00:00Z"));
    expect(campaignDueAt(when, { startsAt: null, timezone: "Europe/Madrid" })).toBeUndefined();
  });

  it("refuses what does not parse, a relative time without a start, and the past", () => {
    expect(refusal("tomorrow")).toMatchObject({ reason: "syntax" });
    expect(refusal("-1d@25:00")).toMatchObject({ reason: "impossible" });
    expect(refusal("2026-02-30T10:00Z")).toMatchObject({ reason: "impossible" });
    expect(refusal("2026-03-20T18:00", { startsAt: null, timezone: null })).toMatchObject({
      reason: "needs-zone",
    });
    expect(refusal("-3h", { startsAt: null, timezone: "Europe/Madrid" })).toMatchObject({
      reason: "no-start",
    });
    const past = refusal("-1d", madrid, new Date("2026-03-28T12:00:00Z"));
    expect(past.reason).toBe("past");
    expect(past.wouldHaveRunAt?.toISOString()).toBe("2026-03-28T09:00:00.000Z");
  });
});
