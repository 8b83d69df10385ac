import { describe, expect, it } from "vitest";
import { lockEndText } from "../../src/render/lock-time.js";

describe("lockEndText", () => {
  it("gives the time of day in the zone, naming it", () => {
    expect(lockEndText("2026-05-04T08:42:00.000Z", "Europe/Madrid")).toBe("10:42 (Europe/Madrid)");
    expect(lockEndText("2026-01-10T23:05:00.000Z", "America/New_York")).toBe(
      "18:05 (America/New_York)",
    );
  });

  it("rounds up to the minute: trying at the time shown always works", () => {
    expect(lockEndText("2026-05-04T08:41:00.001Z", "Europe/Madrid")).toBe("10:42 (Europe/Madrid)");
    expect(lockEndText("2026-05-04T08:59:30.000Z", "UTC")).toBe("09:00 (UTC)");
  });

  it("without a zone uses the machine's, and names it", () => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(lockEndText("2026-05-04T08:42:00.000Z")).toBe(
      lockEndText("2026-05-04T08:42:00.000Z", zone),
    );
    expect(lockEndText("2026-05-04T08:42:00.000Z")).toContain(`(${zone})`);
  });
});
