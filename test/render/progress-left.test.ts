import { describe, expect, it } from "vitest";
import { formatLeft, timeLeftMs } from "../../src/render/progress.js";

describe("a progress bar's time left", () => {
  it("at the pace so far, unknown before the first item", () => {
    expect(timeLeftMs(0, 0, 10)).toBeUndefined();
    expect(timeLeftMs(2_000, 4, 10)).toBe(3_000);
    expect(timeLeftMs(2_000, 10, 10)).toBe(0);
  });

  it("under --rate, never less than the items left need at that pace", () => {
    // 2/min: one every 30 s. The first went at once; 62 more take 31 minutes, not a second.
    expect(timeLeftMs(100, 1, 63, { minMsPerItem: 30_000 })).toBe(62 * 30_000);
    expect(timeLeftMs(0, 0, 63, { minMsPerItem: 30_000 })).toBe(63 * 30_000);
    // Slower than the cap (a slow server): the pace so far wins.
    expect(timeLeftMs(10_000, 1, 3, { minMsPerItem: 1_000 })).toBe(20_000);
  });

  it("is written for people", () => {
    expect(formatLeft(undefined)).toBe("…");
    expect(formatLeft(400)).toBe("1s");
    expect(formatLeft(45_000)).toBe("45s");
    expect(formatLeft(62 * 30_000)).toBe("31m 00s");
    expect(formatLeft(7_620_000)).toBe("2h 07m");
  });
});
