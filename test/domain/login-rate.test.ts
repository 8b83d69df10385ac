import { describe, expect, it } from "vitest";
import { bucketsStart, loginsPerMinute } from "../../src/domain/login-rate.js";

const NOW = new Date("2026-05-04T09:30:42.000Z");

describe("loginsPerMinute", () => {
  it("has 60 whole minutes, the last the one now is in", () => {
    const b = loginsPerMinute([], NOW);
    expect(b.start).toBe("2026-05-04T08:31:00.000Z");
    expect(b.counts).toEqual(Array.from({ length: 60 }, () => 0));
    expect(bucketsStart(NOW, 5).toISOString()).toBe("2026-05-04T09:26:00.000Z");
  });

  it("counts each time in its minute: the first second in, the last second in", () => {
    const b = loginsPerMinute(
      [
        "2026-05-04T08:31:00.000Z", // the first instant of the first minute
        "2026-05-04T08:31:59.999Z",
        "2026-05-04T09:00:30.000Z",
        "2026-05-04T09:30:00.000Z", // the current minute
        "2026-05-04T09:30:41.000Z",
      ],
      NOW,
    );
    expect(b.counts[0]).toBe(2);
    expect(b.counts[29]).toBe(1);
    expect(b.counts[59]).toBe(2);
    expect(b.counts.reduce((a, c) => a + c, 0)).toBe(5);
  });

  it("leaves out what is older than the hour, later than now's minute, or unreadable", () => {
    const b = loginsPerMinute(
      ["2026-05-04T08:30:59.999Z", "2026-05-04T09:31:00.000Z", "yesterday", ""],
      NOW,
    );
    expect(b.counts.every((c) => c === 0)).toBe(true);
  });

  it("takes other spans and times written with an offset", () => {
    const b = loginsPerMinute(["2026-05-04T11:29:10+02:00", "2026-05-04T09:30:05Z"], NOW, 3);
    expect(b).toEqual({ start: "2026-05-04T09:28:00.000Z", counts: [0, 1, 1] });
  });
});
