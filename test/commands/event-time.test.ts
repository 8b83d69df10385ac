import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { EventView } from "../../src/render/event-view.js";
import { benchPerTest, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();

async function run(b: TestBench, ...argv: string[]) {
  const result = await b.run(argv);
  expect(result.code, result.stderr).toBe(0);
  return result;
}

describe("event --timezone / --starts-at / --locale", () => {
  it("reads a time without an offset in the event's zone, summer and winter alike", async () => {
    const b = bench();
    const summer = await run(
      b,
      ...["event", "create", "Cumbre", "--timezone", "europe/madrid", "--locale", "es"],
      ...["--starts-at", "2026-05-04T09:00", "--json"],
    );
    expect(summer.json<EventView>()).toMatchObject({
      startsAt: "2026-05-04T07:00:00.000Z",
      timezone: "Europe/Madrid",
      locale: "es",
    });
    const winter = await run(
      b,
      ...["event", "update", "--starts-at", "2026-12-01T09:00", "--json"],
    );
    expect(winter.json<EventView>().startsAt).toBe("2026-12-01T08:00:00.000Z");
    const shown = await run(b, "event", "show");
    expect(shown.stdout).toContain("starts at    1 December 2026, 09:00 (Europe/Madrid)");
    expect(shown.stdout).toContain("time zone    Europe/Madrid");
    expect(shown.stdout).toContain("language     es");
    const listed = await run(b, "event", "list");
    expect(listed.stdout).toContain("1 December 2026, 09:00 (Europe/Madrid)");
  });

  it("says an event without a zone has none, and that its times are shown in UTC", async () => {
    const b = bench();
    expect((await run(b, "event", "create", "Summit")).code).toBe(0);
    const shown = await run(b, "event", "show");
    expect(shown.stdout).toContain(
      "time zone    none (times are shown in UTC; set one with --timezone)",
    );
  });

  it("keeps an instant given with an offset, and shows it in the zone given later", async () => {
    const b = bench();
    await run(b, "event", "create", "Summit", "--starts-at", "2026-05-04T09:00:00Z");
    const moved = await run(b, "event", "update", "--timezone", "America/New_York", "--json");
    expect(moved.json<EventView>()).toMatchObject({
      startsAt: "2026-05-04T09:00:00.000Z",
      timezone: "America/New_York",
    });
    expect((await run(b, "event", "show")).stdout).toContain(
      "4 May 2026, 05:00 (America/New_York)",
    );
    // The zone the update gives is the one a local --starts-at is read in.
    const both = await run(
      b,
      ...["event", "update", "--timezone", "Asia/Tokyo", "--starts-at", "2026-05-04T09:00"],
      "--json",
    );
    expect(both.json<EventView>().startsAt).toBe("2026-05-04T00:00:00.000Z");
  });

  it.each([
    [
      ["create", "Summit", "--starts-at", "2026-05-04T09:00"],
      '--starts-at: "2026-05-04T09:00" has no UTC offset and the event has no time zone',
      "pass --timezone",
    ],
    [
      ["create", "Summit", "--starts-at", "2026-02-30T09:00Z"],
      '--starts-at: "2026-02-30T09:00Z" is not a real time: February 2026 has 28 days',
      undefined,
    ],
    [
      ["create", "Summit", "--starts-at", "2026-05-04T25:00Z"],
      '--starts-at: "2026-05-04T25:00Z" is not a real time: there is no hour 25 (00-23)',
      undefined,
    ],
    [
      ["create", "Summit", "--timezone", "Europe/Madird"],
      '--timezone: unknown time zone "Europe/Madird" (did you mean Europe/Madrid?)',
      undefined,
    ],
    [
      ["create", "Summit", "--timezone", "+02:00"],
      '--timezone: unknown time zone "+02:00"',
      undefined,
    ],
    [
      ["create", "Summit", "--timezone", "Europe/Madrid", "--starts-at", "2026-03-29T02:30"],
      "--starts-at: 2026-03-29T02:30 does not exist in Europe/Madrid",
      undefined,
    ],
    [
      ["create", "Summit", "--locale", "it"],
      "--locale: expected one of en, es, fr, de, pt",
      undefined,
    ],
    [
      ["update", "summit", "--starts-at", "2026-05-04T09:00"],
      '--starts-at: "2026-05-04T09:00" has no UTC offset and the event has no time zone',
      undefined,
    ],
  ])("refuses event %j (exit 2, naming the flag, nothing changed)", async (argv, message, hint) => {
    const b = bench();
    await run(b, "event", "create", "Summit");
    const before = await b.snapshot();
    const result = await b.run(["event", ...argv]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: ${message}`);
    if (hint) expect(result.stderr).toContain(hint);
    expect(result.stdout).toBe("");
    expect(await b.snapshot()).toEqual(before);
  });

  it("takes --locale in any case, as --timezone", async () => {
    const b = bench();
    const r = await run(b, "event", "create", "Cumbre", "--locale", "ES", "--json");
    expect(r.json<EventView>().locale).toBe("es");
    expect(
      (await run(b, "template", "new", "x", "--from", "credentials", "--locale", "Fr")).stderr,
    ).toContain("(fr)");
  });

  it.each([
    [["--starts-at", "2026-05-04T09:00"], "has no UTC offset"],
    [["--timezone", "Europe/Madrid", "--starts-at", "2026-03-29T02:30"], "does not exist"],
  ])("a refused first event create %j makes no workspace", async (flags, message) => {
    const b = bench();
    const result = await b.run(["event", "create", "Cumbre", ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(existsSync(b.dbPath)).toBe(false);
  });
});
