import { chmodSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../src/domain/durations.js";
import type { EventView } from "../../src/render/event-view.js";
import { benchPerTest } from "../helpers/workspace.js";

const bench = benchPerTest();
const SECRET = "a-shared-secret-of-well-over-thirty-two-bytes\n";

describe("event token settings", () => {
  it("create takes --token-audience and --token-ttl; show and --json report them", async () => {
    const b = bench();
    const r = await b.run([
      "event",
      "create",
      "Summit",
      "--token-audience",
      "venueless",
      "--token-ttl",
      "90m",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<EventView>()).toMatchObject({
      tokenAudience: "venueless",
      tokenTtl: "90m",
      tokenSigning: "EdDSA",
    });
    const shown = await b.run(["event", "show"]);
    expect(shown.stdout).toContain("token aud    venueless");
    expect(shown.stdout).toContain("token TTL    90m");
    expect(
      ((await b.snapshot()).events as { token_ttl_seconds: number }[])[0]?.token_ttl_seconds,
    ).toBe(5400);
  });

  it("--venue-url on create and update, shown by show; a bad one is refused naming the flag", async () => {
    const b = bench();
    expect((await b.run(["event", "create", "Summit"])).stdout).toContain("venue URL    -");
    const bad = await b.run(["event", "update", "--venue-url", "ftp://x"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--venue-url: expected an http(s) URL");
    const r = await b.run(["event", "update", "--venue-url", "https://venue.example/app"]);
    expect(r.code, r.stderr).toBe(0);
    const shown = await b.run(["event", "show"]);
    expect(shown.stdout).toContain("venue URL    https://venue.example/app");
    expect(((await b.snapshot()).events as { venue_url: string }[])[0]?.venue_url).toBe(
      "https://venue.example/app",
    );
    const log = await b.run(["log"]);
    expect(log.stdout).toContain("venue URL");
  });

  it("defaults: the slug as audience, 24h", async () => {
    const b = bench();
    const r = await b.run(["event", "create", "Summit", "--json"]);
    expect(r.json<EventView>()).toMatchObject({ tokenAudience: "summit", tokenTtl: "24h" });
  });

  it("update --token-secret-file records the file (not the secret) and switches to HS256; none switches back", async () => {
    const b = bench();
    await b.run(["event", "create", "Summit"]);
    const path = b.file("venueless.secret", SECRET);
    chmodSync(path, 0o600);
    const r = await b.run([
      "event",
      "update",
      "--token-secret-file",
      "venueless.secret",
      "--token-ttl",
      "7d",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("warning");
    expect(r.json<EventView>()).toMatchObject({ tokenSigning: "HS256", tokenTtl: "7d" });
    const snapshot = JSON.stringify(await b.snapshot());
    expect(snapshot).toContain(path);
    expect(snapshot).not.toContain(SECRET.trim());
    const back = await b.run(["event", "update", "--token-secret-file", "none", "--json"]);
    expect(back.json<EventView>()).toMatchObject({ tokenSigning: "EdDSA" });
  });

  it("warns when the secret file is readable by others", async () => {
    const b = bench();
    await b.run(["event", "create", "Summit"]);
    chmodSync(b.file("open.secret", SECRET), 0o644);
    const r = await b.run(["event", "update", "--token-secret-file", "open.secret"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("can be read by other users: chmod 600 it");
  });

  it("refuses bad values with exit 2, naming the flag, and changes nothing", async () => {
    const b = bench();
    await b.run(["event", "create", "Summit"]);
    b.file("short.secret", "too short\n");
    const before = await b.snapshot();
    const cases: [string[], string][] = [
      [["--token-ttl", "24"], "--token-ttl: expected a lifetime from 1m to 30d"],
      [["--token-ttl", "30s"], "--token-ttl: expected a lifetime from 1m to 30d"],
      [["--token-ttl", "31d"], "--token-ttl: expected a lifetime from 1m to 30d"],
      [["--token-ttl", "1w"], "--token-ttl: expected a lifetime"],
      [["--token-audience", " "], "--token-audience: an audience cannot be empty"],
      [["--token-secret-file", "missing.secret"], "--token-secret-file: cannot read"],
      [["--token-secret-file", "short.secret"], "is 9 bytes; HS256 needs at least 32"],
    ];
    for (const [flags, message] of cases) {
      const r = await b.run(["event", "update", ...flags]);
      expect(r.code, flags.join(" ")).toBe(2);
      expect(r.stderr).toContain(message);
    }
    const create = await b.run(["event", "create", "Other", "--token-ttl", "soon"]);
    expect(create.code).toBe(2);
    expect(await b.snapshot()).toEqual(before);
  });

  it("parses and formats lifetimes", () => {
    expect(parseDuration("90m")).toBe(5400);
    expect(parseDuration("24h")).toBe(86_400);
    expect(parseDuration("7d")).toBe(604_800);
    expect(parseDuration(" 45s ")).toBe(45);
    expect(parseDuration("1.5h")).toBeUndefined();
    expect(parseDuration("h")).toBeUndefined();
    expect(formatDuration(86_400)).toBe("24h");
    expect(formatDuration(604_800)).toBe("7d");
    expect(formatDuration(5400)).toBe("90m");
    expect(formatDuration(45)).toBe("45s");
  });
});
