/**
 * `stats` by where attendees logged in: `evcred verify` (cli), the venue API (api) and the
 * attendee pages (page, through the same domain call the pages make), each attendee counted once
 * per source; and `--watch` refused where it cannot redraw.
 */
import { afterEach, describe, expect, it } from "vitest";
import { resolveEvent } from "../../src/domain/events.js";
import { verifyLogin } from "../../src/domain/logins.js";
import { hashParamsFrom } from "../../src/vault/hash.js";
import { scriptedHistory } from "../helpers/history.js";
import { postLogin, startServer, type RunningServer } from "../helpers/server.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();
let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function ok(b: TestBench, args: string[]): Promise<string> {
  const r = await b.run(args);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** ada: cli twice and api; grace: api, and a wrong code by cli; alan: page. */
async function loginsFromEverySource(): Promise<TestBench> {
  const b = bench();
  b.file("attendees.csv", SAMPLE_CSV);
  await ok(b, ["import", "attendees.csv", "--event", "summit-2026", "--yes"]);
  await ok(b, ["event", "create", "Expo 2026"]);
  const key = (await ok(b, ["venue-key", "create", "venue", "--event", "summit-2026"])).trim();
  const code = (email: string) => b.codeOf(email, "summit-2026");

  // Ada twice: two logins, one logged-in attendee.
  const ada = await code("ada@example.com");
  for (let i = 0; i < 2; i++)
    await ok(b, ["verify", "ada@example.com", ada, "--event", "summit-2026"]);
  const wrong = await b.run([
    "verify",
    "grace@example.com",
    "WRONG23456",
    "--event",
    "summit-2026",
  ]);
  expect(wrong.code).toBe(1);

  server = await startServer(b);
  for (const email of ["ada@example.com", "grace@example.com"]) {
    const r = await postLogin(server.url, "summit-2026", key, { email, code: await code(email) });
    expect(r.status).toBe(200);
  }
  await server.close();
  server = undefined;

  const ws = await b.open();
  try {
    const event = await resolveEvent(ws, "summit-2026");
    const page = await verifyLogin(
      ws,
      event,
      "alan@example.com",
      await code("alan@example.com"),
      new Date(),
      hashParamsFrom(b.env),
      "page",
    );
    expect(page).toEqual({ ok: true });
  } finally {
    void ws.close();
  }
  return b;
}

describe("stats by source", () => {
  it("--json: logged-in attendees per source, each once per source", async () => {
    const b = await loginsFromEverySource();
    const r = await b.run(["stats", "--event", "summit-2026", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({
      attendees: 3,
      loggedIn: 3,
      loggedInBySource: { api: 2, page: 1, cli: 1 },
      attempts: { ok: 5, failed: 1 },
    });
    const all = await b.run(["stats", "--all-events", "--json"]);
    expect(all.code, all.stderr).toBe(0);
    const events = all.json<{ events: { event: string; loggedInBySource: unknown }[] }>().events;
    expect(events.map((e) => [e.event, e.loggedInBySource])).toEqual([
      ["summit-2026", { api: 2, page: 1, cli: 1 }],
      ["expo-2026", { api: 0, page: 0, cli: 0 }],
    ]);
  });

  it("a removed attendee leaves the count of every source, as they leave loggedIn", async () => {
    const b = await loginsFromEverySource();
    await ok(b, ["attendees", "remove", "grace@example.com", "--event", "summit-2026", "--yes"]);
    const r = await b.run(["stats", "--event", "summit-2026", "--json"]);
    expect(r.json()).toMatchObject({ loggedIn: 2, loggedInBySource: { api: 1, page: 1, cli: 1 } });
  });

  it("shows the sources in plain text and under the funnel on a terminal", async () => {
    const b = await loginsFromEverySource();
    const plain = await ok(b, ["stats", "--event", "summit-2026"]);
    expect(plain).toContain("\nby source    api 2, page 1, cli 1\n");
    const tty = await b.run(["stats", "--event", "summit-2026"], { tty: true });
    expect(tty.stdout).toContain("logins by source: api 2, page 1, cli 1");
  });
});

describe("stats --watch where it cannot redraw", () => {
  it("prints the figures once and exits off a terminal, as stats does", async () => {
    const b = await loginsFromEverySource();
    const once = await b.run(["stats", "--event", "summit-2026"]);
    const r = await b.run(["stats", "--watch", "--event", "summit-2026"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(once.stdout);
    expect(r.stdout).toContain("api 2, page 1, cli 1");
  });

  it("with --json prints one document, even on a terminal", async () => {
    const b = await loginsFromEverySource();
    const r = await b.run(["stats", "--watch", "--json", "--event", "summit-2026"], { tty: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ loggedInBySource: { api: 2, page: 1, cli: 1 } });
  });
});

describe("stats --watch, in-process with a fixed clock", () => {
  it("charts the successful logins of the last hour in their minutes, until interrupted", async () => {
    const b = bench();
    await scriptedHistory(b);
    b.now = new Date("2026-05-04T09:30:20.000Z");
    const interrupt = new AbortController();
    const stop = setTimeout(() => {
      interrupt.abort();
    }, 2_500);
    const r = await b.run(["stats", "--watch", "--event", "summit-2026"], {
      tty: true,
      columns: 100,
      interrupt: interrupt.signal,
    });
    clearTimeout(stop);
    expect(r.code, r.stderr).toBe(0);
    const frames = r.stdout.split("\x1b[H\x1b[J").slice(1);
    expect(frames).toHaveLength(2);
    const lines = (frames[0] ?? "").split("\n");
    // ok at 09:10, 09:11, 09:12 and 09:15 (linus, removed since: the doors saw him); the wrong
    // code at 09:13 and the unknown email at 09:14 are not logins.
    expect(lines).toContain("logins per minute since 08:31 (UTC): peak 1, 4 in all");
    const columnsRow = lines.filter((l) => l.includes("│")).at(-1) ?? "";
    const drawn = Array.from(columnsRow.slice(columnsRow.indexOf("│") + 1));
    expect(drawn).toHaveLength(60);
    expect(drawn.flatMap((c, i) => (c === "█" ? [i] : []))).toEqual([39, 40, 41, 44]);
    expect(r.stdout.endsWith("\x1b[?25h\n")).toBe(true);
  });
});
