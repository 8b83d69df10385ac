import { describe, expect, it } from "vitest";
import { bar, barChart } from "../../src/render/bar-chart.js";
import { createTheme } from "../../src/render/theme.js";

describe("bar", () => {
  it("is proportional to an eighth of a cell", () => {
    expect(bar(10, 10, 4)).toBe("████");
    expect(bar(5, 10, 4)).toBe("██");
    expect(bar(1, 16, 4)).toBe("▎");
    expect(bar(3, 16, 4)).toBe("▊");
  });

  it("is empty for nothing, at least a sliver for something, and never longer than the width", () => {
    expect(bar(0, 10, 4)).toBe("");
    expect(bar(3, 0, 4)).toBe("");
    expect(bar(1, 10_000, 4)).toBe("▏");
    expect(bar(20, 10, 4)).toBe("████");
  });
});

describe("barChart", () => {
  it("aligns labels, bars, values and notes", () => {
    const theme = createTheme({ color: false });
    const plain = (t: string) => t;
    expect(
      barChart(
        [
          { label: "registered", value: 12, colour: plain },
          { label: "sent", value: 6, note: "50%", colour: plain },
        ],
        theme,
        4,
      ),
    ).toBe(["registered  ████  12", "sent        ██     6  50%"].join("\n"));
  });
});
