import { describe, expect, it } from "vitest";
import type { EventView } from "../../src/render/event-view.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();

/** `event list` adds `current`; `event show` adds `attendees`. */
type EventJson = EventView & { current?: boolean; attendees?: number };

async function create(b: TestBench, ...argv: string[]) {
  const result = await b.run(["event", "create", ...argv]);
  expect(result.code, result.stderr).toBe(0);
  return result;
}

describe("evcred event create", () => {
  it("creates an event with every detail and a slug from its name", async () => {
    const b = bench();
    const result = await b.run([
      "event",
      "create",
      "Tech Summit 2026!",
      "--starts-at",
      "2026-05-04T09:00:00Z",
      "--login-url",
      "https://venue.example.com/login",
      "--venue-url",
      "https://venue.example.com/app",
      "--from",
      "Summit Team <team@summit.example>",
      "--code-length",
      "12",
      "--json",
    ]);
    expect(result.code).toBe(0);
    expect(result.json<EventJson>()).toEqual({
      slug: "tech-summit-2026",
      name: "Tech Summit 2026!",
      startsAt: "2026-05-04T09:00:00.000Z",
      timezone: null,
      locale: "en",
      loginUrl: "https://venue.example.com/login",
      venueUrl: "https://venue.example.com/app",
      from: "Summit Team <team@summit.example>",
      codeLength: 12,
      tokenAudience: "tech-summit-2026",
      tokenTtl: "24h",
      tokenSigning: "EdDSA",
      createdAt: b.now.toISOString(),
    });
    expect(result.stderr).toContain("event tech-summit-2026 created");
  });

  it("takes --slug, and defaults to 10-character codes", async () => {
    const b = bench();
    const result = await create(b, "Käse & Wein Fest", "--slug", "kw-26");
    expect(result.stdout).toContain("slug         kw-26");
    expect(result.stdout).toContain("code length  10");
    expect(result.stdout).toContain("login URL    -");
    const plain = await create(b, "Käse & Wein Fest");
    expect(plain.stdout).toContain("slug         kase-wein-fest");
  });

  it.each([
    [["Summit", "--code-length", "5"], "--code-length: must be at least 8"],
    [["Summit", "--code-length", "33"], "--code-length: must be at most 32"],
    [["Summit", "--code-length", "ten"], "--code-length: expected a whole number"],
    [["Summit", "--starts-at", "nonsense"], '--starts-at: "nonsense" is not an ISO date'],
    [["Summit", "--starts-at", "2026-13-45"], '--starts-at: "2026-13-45" is not a real time'],
    [["Summit", "--login-url", "ftp://x"], "--login-url: expected an http(s) URL"],
    [["Summit", "--login-url", "venue.example.com"], "--login-url: expected an http(s) URL"],
    [["Summit", "--from", "not an address"], "--from: expected an address"],
    [["Summit", "--slug", "Summit 2026"], "--slug: a slug is lower-case letters"],
    [["  ", "--slug", "x"], "--name: an event needs a name"],
  ])("refuses %j (exit 2, naming the flag)", async (argv, message) => {
    const b = bench();
    await b.run(["init"]);
    const before = await b.snapshot();
    const result = await b.run(["event", "create", ...argv]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: ${message}`);
    expect(result.stdout).toBe("");
    expect(await b.snapshot()).toEqual(before);
  });

  it("refuses a slug that is taken, pointing at --slug", async () => {
    const b = bench();
    await create(b, "Summit 2026");
    const before = await b.snapshot();
    const result = await b.run(["event", "create", "Summit 2026"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('an event with slug "summit-2026" already exists');
    expect(result.stderr).toContain("--slug");
    expect(await b.snapshot()).toEqual(before);
  });

  it.each([
    [["event", "create"], "missing required argument 'name'"],
    [["event", "create", "Summit", "--bogus"], "unknown option '--bogus'"],
    [["event", "create", "Summit", "--code-length"], "option '--code-length <n>' argument missing"],
  ])("reports %j as a usage error on stderr (exit 2)", async (argv, message) => {
    const b = bench();
    const result = await b.run(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe("");
  });

  it("shows an example in its help", async () => {
    const b = bench();
    const help = await b.run(["event", "create", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("$ evcred event create");
  });
});

describe("evcred event list / use / show", () => {
  it("lists events with their attendee counts and the current one", async () => {
    const b = bench();
    await create(b, "Summit", "--starts-at", "2026-05-04T00:00Z");
    b.advance(1_000);
    await create(b, "Expo");
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "expo"]);
    await b.run(["event", "use", "expo"]);
    const list = await b.run(["event", "list", "--json"]);
    expect(list.json<EventJson[]>().map((e) => [e.slug, e.current, e.attendees])).toEqual([
      ["summit", false, 0],
      ["expo", true, 3],
    ]);
    const human = await b.run(["event", "list"]);
    const lines = human.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/SLUG\s+NAME\s+STARTS\s+ATTENDEES/);
    expect(lines[1]).toMatch(/^\s+summit\s+Summit\s+4 May 2026, 00:00 \(UTC\)\s+0$/);
    expect(lines[2]).toMatch(/^\*\s+expo\s+Expo\s+3$/);
  });

  it("says how to begin when there is no event", async () => {
    const b = bench();
    expect((await b.run(["init"])).code).toBe(0);
    const list = await b.run(["event", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toBe("");
    expect(list.stderr).toContain("no events yet");
    expect((await b.run(["event", "list", "--json"])).json()).toEqual([]);
  });

  it("refuses to use an unknown event, listing the known ones", async () => {
    const b = bench();
    await create(b, "Summit");
    await create(b, "Expo");
    const before = await b.snapshot();
    const result = await b.run(["event", "use", "sumit"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no event "sumit"');
    expect(result.stderr).toContain("known events: summit, expo");
    expect(await b.snapshot()).toEqual(before);
  });

  it("shows an event by slug, or the current one", async () => {
    const b = bench();
    await create(b, "Summit", "--login-url", "https://venue.example.com");
    const show = await b.run(["event", "show"]);
    expect(show.stdout).toContain("login URL    https://venue.example.com");
    expect(show.stdout).toContain("attendees    0");
    expect((await b.run(["event", "show", "summit", "--json"])).json()).toMatchObject({
      slug: "summit",
      attendees: 0,
    });
    const unknown = await b.run(["event", "show", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no event "nope"');
  });
});

describe("which event a command acts on", () => {
  async function twoEvents(b: TestBench) {
    await create(b, "Summit");
    await create(b, "Expo");
  }
  const shown = async (b: TestBench, argv: string[] = [], env: NodeJS.ProcessEnv = {}) => {
    const result = await b.run([...argv, "event", "show", "--json"], { env });
    expect(result.code, result.stderr).toBe(0);
    return result.json<EventJson>().slug;
  };

  it("is the only event when there is one", async () => {
    const b = bench();
    await create(b, "Summit");
    expect(await shown(b)).toBe("summit");
  });

  it("with several and no choice, is a usage error listing them", async () => {
    const b = bench();
    await twoEvents(b);
    const result = await b.run(["attendees", "list"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("there are 2 events; which one?");
    expect(result.stderr).toContain("pass --event (one of: summit, expo)");
    expect(result.stderr).toContain("evcred event use SLUG");
  });

  it("is the one chosen with event use, then EVCRED_EVENT, then --event", async () => {
    const b = bench();
    await twoEvents(b);
    const use = await b.run(["event", "use", "summit", "--json"]);
    expect(use.json()).toEqual({ current: "summit" });
    expect(use.stderr).toContain("now acting on summit (Summit)");
    expect(await shown(b)).toBe("summit");
    expect(await shown(b, [], { EVCRED_EVENT: "expo" })).toBe("expo");
    expect(await shown(b, ["--event", "summit"], { EVCRED_EVENT: "expo" })).toBe("summit");
    expect(await shown(b, ["--event", "expo"])).toBe("expo");
  });

  it("refuses an unknown EVCRED_EVENT rather than falling back", async () => {
    const b = bench();
    await twoEvents(b);
    await b.run(["event", "use", "summit"]);
    const result = await b.run(["attendees", "list"], { env: { EVCRED_EVENT: "gala" } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no event "gala"');
    expect(result.stderr).toContain("known events: summit, expo");
  });

  it("follows a renamed current event", async () => {
    const b = bench();
    await twoEvents(b);
    await b.run(["event", "use", "expo"]);
    expect((await b.run(["event", "update", "--slug", "expo-2026"])).code).toBe(0);
    expect(await shown(b)).toBe("expo-2026");
  });
});

describe("evcred event update", () => {
  it("changes what it is given and nothing else", async () => {
    const b = bench();
    await create(b, "Summit", "--login-url", "https://old.example.com", "--code-length", "12");
    const result = await b.run([
      "event",
      "update",
      "summit",
      "--name",
      "Summit 2026",
      "--starts-at",
      "2026-05-04T09:00:00+02:00",
      "--from",
      "team@summit.example",
      "--json",
    ]);
    expect(result.code).toBe(0);
    expect(result.json<EventJson>()).toMatchObject({
      slug: "summit",
      name: "Summit 2026",
      startsAt: "2026-05-04T07:00:00.000Z",
      loginUrl: "https://old.example.com",
      from: "team@summit.example",
      codeLength: 12,
    });
    expect(result.stderr).toContain("event summit updated");
    const log = await b.run(["log", "--json"]);
    expect(log.json<{ entries: { action: string; summary: string }[] }>().entries).toContainEqual(
      expect.objectContaining({
        action: "event.update",
        summary: "changed name, start time, sender",
      }),
    );
    expect((await b.run(["event", "update", "--token-ttl", "48h"])).code).toBe(0);
    const again = await b.run(["log", "--json", "--limit", "1"]);
    expect(again.json<{ entries: { summary: string }[] }>().entries[0]?.summary).toBe(
      "changed token lifetime",
    );
  });

  it.each([
    [["--code-length", "5"], "--code-length: must be at least 8"],
    [["--starts-at", "nonsense"], '--starts-at: "nonsense" is not an ISO date'],
    [["--login-url", "ftp://x"], "--login-url: expected an http(s) URL"],
    [["--slug", "No Spaces"], "--slug: a slug is lower-case letters"],
    [["--from", "a@b"], "--from: expected an address"],
  ])("refuses %j (exit 2, naming the flag)", async (argv, message) => {
    const b = bench();
    await create(b, "Summit");
    const before = await b.snapshot();
    const result = await b.run(["event", "update", ...argv]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: ${message}`);
    expect(await b.snapshot()).toEqual(before);
  });

  it("refuses a slug another event has, and an update with nothing to change", async () => {
    const b = bench();
    await create(b, "Summit");
    await create(b, "Expo");
    const before = await b.snapshot();
    const taken = await b.run(["event", "update", "expo", "--slug", "summit"]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('an event with slug "summit" already exists');
    expect(taken.stderr).toContain("--slug");
    const nothing = await b.run(["event", "update", "expo"]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain("nothing to change");
    expect(nothing.stderr).toContain(
      "--name, --slug, --starts-at, --timezone, --locale, --login-url, --from, --code-length",
    );
    expect(await b.snapshot()).toEqual(before);
  });
});
