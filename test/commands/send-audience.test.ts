import { readdirSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();
let smtp: TestSmtp | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

const EMAILS = ["ada@example.com", "grace@example.com", "alan@example.com"];

async function imported(b: TestBench): Promise<void> {
  b.file("attendees.csv", SAMPLE_CSV);
  const r = await b.run(["import", "attendees.csv", "--event", "summit", "--yes"]);
  expect(r.code, r.stderr).toBe(0);
  const from = await b.run(["event", "update", "--from", "Summit Team <team@summit.example>"]);
  expect(from.code, from.stderr).toBe(0);
}

async function recipients(b: TestBench, ...flags: string[]): Promise<string[]> {
  const r = await b.run(["send", "--template", "reminder", "--dry-run", "--json", ...flags]);
  expect(r.code, r.stderr).toBe(0);
  return r.json<{ recipients: string[] }>().recipients;
}

describe("evcred send --audience", () => {
  it("not-logged-in: everyone without a successful login, whatever they were sent", async () => {
    const b = bench();
    await imported(b);
    expect((await b.run(["send", "--template", "credentials", "--yes"])).code).toBe(0);
    expect(
      (await b.run(["verify", "grace@example.com", await b.codeOf("grace@example.com")])).code,
    ).toBe(0);
    // A failed attempt is not a login.
    await b.run(["verify", "alan@example.com", "WRONGCODE2"]);
    expect(await recipients(b, "--audience", "not-logged-in")).toEqual([
      "ada@example.com",
      "alan@example.com",
    ]);
    const sent = await b.run([
      "send",
      "--template",
      "credentials",
      "--audience",
      "not-logged-in",
      "--yes",
      "--json",
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.json()).toMatchObject({ sent: 2, failed: [] });
    const files = readdirSync(b.path("outbox"));
    expect(files.filter((f) => f.includes("ada@example.com"))).toHaveLength(2);
    expect(files.filter((f) => f.includes("grace@example.com"))).toHaveLength(1);
  });

  it("says why nobody is due, for the audience asked", async () => {
    const b = bench();
    await imported(b);
    for (const email of EMAILS) await b.run(["verify", email, await b.codeOf(email)]);
    const r = await b.run(["send", "--template", "reminder", "--audience", "not-logged-in"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("nobody is due reminder in summit: every attendee has logged in");
    await b.run(["send", "--template", "reminder", "--yes"]);
    const again = await b.run(["send", "--template", "reminder"]);
    expect(again.stderr).toContain(
      "nobody is due reminder in summit: everyone has it for their current code (--audience all sends again)",
    );
  });

  it("unsent is the default; all (and --all, its alias) is everyone", async () => {
    const b = bench();
    await imported(b);
    await b.run(["send", "--template", "reminder", "--limit", "1", "--yes"]);
    const unsent = ["grace@example.com", "alan@example.com"];
    expect(await recipients(b)).toEqual(unsent);
    expect(await recipients(b, "--audience", "unsent")).toEqual(unsent);
    expect(await recipients(b, "--to-unsent")).toEqual(unsent);
    expect(await recipients(b, "--audience", "all")).toEqual(EMAILS);
    expect(await recipients(b, "--all")).toEqual(EMAILS);
    expect(await recipients(b, "--all", "--audience", "all")).toEqual(EMAILS);
    expect(await recipients(b, "--to-unsent", "--audience", "unsent")).toEqual(unsent);
  });

  it.each([
    [
      ["--all", "--audience", "unsent"],
      "--audience: --all is --audience all, which contradicts --audience unsent; pass one",
    ],
    [
      ["--all", "--audience", "not-logged-in"],
      "--audience: --all is --audience all, which contradicts --audience not-logged-in; pass one",
    ],
    [
      ["--to-unsent", "--audience", "all"],
      "--audience: --to-unsent is --audience unsent, which contradicts --audience all; pass one",
    ],
    [["--audience", "everyone"], "--audience: expected one of: unsent, all, not-logged-in"],
    [["--rate", "10/m"], '--rate: expected messages per second, minute or hour, e.g. "10/s"'],
    [["--rate", "0/min"], "--rate: must be above 0"],
    [["--rate", "700000/min"], "--rate: must be at most 10000 a second"],
  ])("refuses %j (exit 2, naming the flag, nothing sent)", async (flags, message) => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run(["send", "--template", "credentials", "--yes", ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${message}`);
    expect(await b.snapshot()).toEqual(before);
    expect(() => readdirSync(b.path("outbox"))).toThrow();
  });
});

describe("evcred send --rate per minute or hour", () => {
  it("paces 120/min as one message every 500 ms on a real SMTP server", async () => {
    const b = bench();
    await imported(b);
    smtp = await startSmtp();
    Object.assign(b.env, { EVCRED_SMTP_URL: smtp.url, EVCRED_SMTP_TIMEOUT_MS: "3000" });
    const started = Date.now();
    const r = await b.run(["send", "--template", "credentials", "--rate", "120/min", "--yes"]);
    const took = Date.now() - started;
    expect(r.code, r.stderr).toBe(0);
    expect(smtp.received.map((m) => m.to).sort()).toEqual([...EMAILS].sort());
    // The first goes at once, the third no sooner than a second later.
    expect(took).toBeGreaterThanOrEqual(950);
  });
});

describe("evcred send --rate and Ctrl-C", () => {
  it("a slow rate does not hold a stopping run: waiting messages are not sent and stay due", async () => {
    const b = bench();
    await imported(b);
    const interrupt = new AbortController();
    setTimeout(() => {
      interrupt.abort();
    }, 300);
    const started = Date.now();
    const r = await b.run(["send", "--template", "credentials", "--rate", "1/h", "--yes"], {
      interrupt: interrupt.signal,
    });
    expect(r.code, r.stderr).toBe(130);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(readdirSync(b.path("outbox"))).toHaveLength(1);
    const due = await b.run(["send", "--template", "credentials", "--dry-run", "--json"]);
    expect(due.json<{ recipients: string[] }>().recipients).toHaveLength(2);
  });
});
