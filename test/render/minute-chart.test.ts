import { describe, expect, it } from "vitest";
import { columns, groupCounts, minuteChart } from "../../src/render/minute-chart.js";
import { createTheme } from "../../src/render/theme.js";

const theme = createTheme({ color: false });
const hour = (f: (i: number) => number) => Array.from({ length: 60 }, (_, i) => f(i));

describe("groupCounts", () => {
  it("keeps one bar a minute when there is room", () => {
    const counts = hour((i) => i);
    expect(groupCounts(counts, 60)).toEqual({ perBar: 1, bars: counts });
    expect(groupCounts(counts, 200).bars).toHaveLength(60);
  });

  it("adds up neighbouring minutes into at most as many bars as fit", () => {
    const g = groupCounts(
      hour(() => 1),
      25,
    );
    expect(g).toEqual({ perBar: 3, bars: Array.from({ length: 20 }, () => 3) });
    expect(
      groupCounts(
        hour(() => 1),
        0,
      ),
    ).toEqual({ perBar: 60, bars: [60] });
    // 60 in 7s: the last bar is the 4 minutes left.
    expect(
      groupCounts(
        hour(() => 1),
        9,
      ).bars,
    ).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 4]);
  });
});

describe("columns", () => {
  it("scales every column to the largest, to an eighth of a row, top row first", () => {
    // Two rows are 16 eighths: 1/4 of them is half the bottom row, 2/4 all of it.
    expect(columns([0, 1, 2, 4], 2)).toEqual(["   █", " ▄██"]);
    expect(columns([1, 3, 8], 1)).toEqual(["▁▃█"]);
  });

  it("draws at least a sliver for one login beside many, and nothing for none", () => {
    expect(columns([1, 1000, 0], 1)).toEqual(["▁█ "]);
    expect(columns([0, 0], 2)).toEqual(["  ", "  "]);
  });
});

describe("minuteChart", () => {
  const buckets = { start: "2026-05-04T08:31:00.000Z", counts: hour((i) => (i === 59 ? 12 : 0)) };

  it("fits a wide terminal with 60 columns, titled in the event's zone", () => {
    const lines = minuteChart(buckets, { width: 100, zone: "Europe/Madrid", theme }).split("\n");
    expect(lines[0]).toBe("logins per minute since 10:31 (Europe/Madrid): peak 12, 12 in all");
    expect(lines).toHaveLength(1 + 6 + 1);
    expect(lines[1]).toBe(`12 │${" ".repeat(59)}█`);
    expect(lines.at(-1)).toBe(` 0 └${"─".repeat(60)}`);
  });

  it("groups minutes on a narrow terminal so that no line is wider than it", () => {
    const chart = minuteChart(buckets, { width: 40, zone: null, theme, height: 3 });
    const lines = chart.split("\n");
    expect(lines[0]).toBe("logins per 2 minutes since 08:31 (UTC): peak 12, 12 in all");
    for (const line of lines.slice(1)) expect(line.length).toBeLessThanOrEqual(40);
    expect(lines.at(-1)).toBe(` 0 └${"─".repeat(30)}`);
  });
});
