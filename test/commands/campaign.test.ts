import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { changeAt } from "../helpers/look.js";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { expectNoCodeIn } from "../helpers/history.js";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();
let smtp: TestSmtp | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

// The bench's clock says 2026-05-04T09:00Z; the event starts on Sunday 10 May, 10:00 in Madrid.
const START = "2026-05-10T10:00";

interface Listed {
  id: number;
  when: string;
  dueAt: string | null;
  status: string;
  sent: number;
  failed: number;
  pending: number;
}

async function event(b: TestBench, starts: string | null = START): Promise<void> {
  const create = await b.run([
    "event",
    "create",
    "Summit",
    "--slug",
    "summit",
    "--timezone",
    "Europe/Madrid",
    ...(starts ? ["--starts-at", starts] : []),
    ...(starts ? ["--from", "Summit Team <team@summit.example>"] : []),
  ]);
  expect(create.code, create.stderr).toBe(0);
  b.file("attendees.csv", SAMPLE_CSV);
  const r = await b.run(["import", "attendees.csv", "--event", "summit", "--yes"]);
  expect(r.code, r.stderr).toBe(0);
}

async function add(b: TestBench, at: string, ...flags: string[]): Promise<number> {
  const r = await b.run([
    "campaign",
    "add",
    "--template",
    "reminder",
    "--at",
    at,
    "--json",
    ...flags,
  ]);
  expect(r.code, r.stderr).toBe(0);
  return r.json<{ id: number }>().id;
}

async function list(b: TestBench): Promise<Listed[]> {
  const r = await b.run(["campaign", "list", "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return r.json<Listed[]>();
}

async function runDue(b: TestBench, ...flags: string[]) {
  const r = await b.run(["campaign", "run-due", "--json", ...flags]);
  return {
    ...r,
    reports: r.code === 2 ? [] : r.json<{ campaigns: Record<string, unknown>[] }>().campaigns,
  };
}

function outboxText(b: TestBench, email: string): string {
  const file = readdirSync(b.path("outbox")).find((f) => f.includes(email));
  return file ? readFileSync(join(b.path("outbox"), file), "utf8") : "";
}

/** The code as emails show it: K7QM-4XHP-2W. */
function groups(code: string): string {
  return code.match(/.{1,4}/g)?.join("-") ?? code;
}

function outbox(b: TestBench, email: string): number {
  try {
    return readdirSync(b.path("outbox")).filter((f) => f.includes(email)).length;
  } catch {
    return 0;
  }
}

describe("evcred campaign add", () => {
  it("schedules relative and ISO times and lists them as given and where they land", async () => {
    const b = bench();
    await event(b);
    const r = await b.run(["campaign", "add", "--template", "reminder", "--at", "-1d@09:00"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      "campaign 1 scheduled for summit: reminder to all at -1d@09:00 → 9 May 2026, 09:00 (Europe/Madrid)",
    );
    await add(b, "-3h", "--audience", "not-logged-in");
    await add(b, "-90m");
    await add(b, "2026-05-08T18:00");
    expect((await list(b)).map((c) => [c.when, c.dueAt, c.status])).toEqual([
      ["-1d@09:00", "2026-05-09T07:00:00.000Z", "scheduled"],
      ["-3h", "2026-05-10T05:00:00.000Z", "scheduled"],
      ["-90m", "2026-05-10T06:30:00.000Z", "scheduled"],
      ["2026-05-08T18:00", "2026-05-08T16:00:00.000Z", "scheduled"],
    ]);
    const table = await b.run(["campaign", "list"]);
    expect(table.stdout).toMatch(/-3h → 10 May 2026, 07:00 \(Europe\/Madrid\)\s+scheduled/);
    // An ISO time too, as given and where it lands in the event's zone.
    expect(table.stdout).toMatch(
      /2026-05-08T18:00 → 8 May 2026, 18:00 \(Europe\/Madrid\)\s+scheduled/,
    );
    const utc = await b.run([
      "campaign",
      "add",
      "--template",
      "reminder",
      "--at",
      "2026-05-08T07:30:15Z",
    ]);
    expect(utc.stderr).toContain(
      "campaign 5 scheduled for summit: reminder to all at 2026-05-08T07:30:15Z → 8 May 2026, 09:30 (Europe/Madrid)",
    );
    const log = await b.run(["log", "--json"]);
    expect(log.stdout).toContain("campaign.schedule");
  });

  it("refuses bad times with exit 2 naming --at, and changes nothing", async () => {
    const b = bench();
    await event(b);
    const before = await b.snapshot();
    const cases: [string, string][] = [
      [
        "tomorrow",
        `--at: "tomorrow" is neither a time relative to the event's start nor an ISO time`,
      ],
      ["-1d@24:00", `--at: "-1d@24:00" is not a time of day (00:00-23:59)`],
      [
        "2026-05-04T08:00Z",
        `--at: "2026-05-04T08:00Z" is already past: it would have run at 4 May 2026, 10:00 (Europe/Madrid)`,
      ],
      [
        "-7d",
        `--at: "-7d" is already past: it would have run at 3 May 2026, 10:00 (Europe/Madrid)`,
      ],
    ];
    for (const [at, message] of cases) {
      const r = await b.run(["campaign", "add", "--template", "reminder", "--at", at]);
      expect(r.code, at).toBe(2);
      expect(r.stderr).toContain(`error: ${message}`);
    }
    const missing = await b.run(["campaign", "add", "--template", "reminder"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--at: when should the campaign run?");
    // Empty, as an unset shell variable gives them: the same questions, in evcred's words.
    const emptyAt = await b.run(["campaign", "add", "--template", "reminder", "--at", ""]);
    expect(emptyAt.code).toBe(2);
    expect(emptyAt.stderr).toContain("error: --at: when should the campaign run?\nhint: e.g.");
    const emptyTemplate = await b.run(["campaign", "add", "--template", "", "--at", "-3h"]);
    expect(emptyTemplate.code).toBe(2);
    expect(emptyTemplate.stderr).toContain(
      "error: --template: which template should the campaign send?\nhint: e.g.",
    );
    const audience = await b.run([
      "campaign",
      "add",
      "--template",
      "reminder",
      "--at",
      "-3h",
      "--audience",
      "some",
    ]);
    expect(audience.code).toBe(2);
    expect(audience.stderr).toContain("--audience: expected one of: unsent, all, not-logged-in");
    const template = await b.run(["campaign", "add", "--template", "nope", "--at", "-3h"]);
    expect(template.code).toBe(2);
    expect(await b.snapshot()).toEqual(before);
  });

  it("refuses a relative time for an event with no start, but takes an ISO one", async () => {
    const b = bench();
    await event(b, null);
    const r = await b.run(["campaign", "add", "--template", "reminder", "--at", "-3h"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `error: --at: "-3h" is relative to the event's start, and the event has no start time`,
    );
    expect(r.stderr).toContain("evcred event update --starts-at");
    const iso = await b.run([
      "campaign",
      "add",
      "--template",
      "reminder",
      "--at",
      "2026-05-05T10:00+02:00",
    ]);
    expect(iso.code, iso.stderr).toBe(0);
    expect(iso.stderr).toContain("warning: event summit has no sender address");
  });
});

describe("evcred campaign run-due", () => {
  it("sends when due, to the audience as it is then, once; apart from send and other campaigns", async () => {
    const b = bench();
    await event(b);
    const first = await add(b, "-1d@09:00");
    const second = await add(b, "-90m");
    expect((await runDue(b)).reports).toEqual([]);
    // Imported after scheduling: included.
    b.file("late.csv", "email,first_name\nlate@example.com,Late\n");
    expect((await b.run(["import", "late.csv", "--event", "summit", "--yes"])).code).toBe(0);
    b.now = new Date("2026-05-09T07:00:30Z");
    const run = await runDue(b);
    expect(run.code, run.stderr).toBe(0);
    expect(run.reports).toMatchObject([{ id: first, outcome: "done", sent: 4, failed: [] }]);
    expect(outbox(b, "late@example.com")).toBe(1);
    // Once: a rerun sends nothing.
    expect((await runDue(b)).reports).toEqual([]);
    // The same template again in another campaign: sent again.
    b.now = new Date("2026-05-10T06:31:00Z");
    expect((await runDue(b)).reports).toMatchObject([{ id: second, outcome: "done", sent: 4 }]);
    expect(outbox(b, "ada@example.com")).toBe(2);
    expect((await list(b)).map((c) => [c.status, c.sent, c.failed])).toEqual([
      ["done", 4, 0],
      ["done", 4, 0],
    ]);
    // Neither counts as the plain send of credentials, nor of reminder.
    const send = await b.run(["send", "--template", "reminder", "--yes", "--json"]);
    expect(send.json()).toMatchObject({ sent: 4 });
    const log = await b.run(["log", "--json"]);
    expect(log.stdout).toContain("campaign.run");
    await b.run(["campaign", "list"]);
    await b.run(["stats"]);
    // No code in any output, JSON or audit entry; each message did carry its attendee's own.
    const codes = await Promise.all(
      ["ada@example.com", "grace@example.com", "late@example.com"].map((e) => b.codeOf(e)),
    );
    await expectNoCodeIn(b, codes);
    expect(outboxText(b, "late@example.com")).toContain(groups(codes[2] ?? ""));
  });

  it("not-logged-in leaves out whoever has logged in; unsent whoever has their code", async () => {
    const b = bench();
    await event(b);
    await add(b, "-3h", "--audience", "not-logged-in");
    expect(
      (await b.run(["verify", "grace@example.com", await b.codeOf("grace@example.com")])).code,
    ).toBe(0);
    b.now = new Date("2026-05-10T05:00:00Z");
    expect((await runDue(b)).reports).toMatchObject([{ sent: 2 }]);
    expect(outbox(b, "grace@example.com")).toBe(0);
    expect(outbox(b, "ada@example.com")).toBe(1);
  });

  it("unsent: only those no email has reached with their current code", async () => {
    const b = bench();
    await event(b);
    await add(b, "-3h", "--audience", "unsent");
    expect((await b.run(["send", "--template", "credentials", "--limit", "2", "--yes"])).code).toBe(
      0,
    );
    b.now = new Date("2026-05-10T05:00:00Z");
    expect((await runDue(b)).reports).toMatchObject([{ sent: 1 }]);
    expect(outbox(b, "alan@example.com")).toBe(1);
  });

  it("marks a campaign due longer ago than --max-late missed and sends nothing", async () => {
    const b = bench();
    await event(b);
    await add(b, "-1d@09:00");
    await add(b, "-3h");
    // Down for a day: the day-before one is a day late, the three-hours one 30 minutes.
    b.now = new Date("2026-05-10T05:30:00Z");
    const run = await runDue(b);
    expect(run.code, run.stderr).toBe(0);
    expect(run.reports).toMatchObject([
      { id: 1, outcome: "missed", sent: 0 },
      { id: 2, outcome: "done", sent: 3 },
    ]);
    expect(outbox(b, "ada@example.com")).toBe(1);
    expect((await list(b)).map((c) => c.status)).toEqual(["missed", "done"]);
    const human = await b.run(["campaign", "run-due"]);
    expect(human.stderr).toContain("no campaign is due");
    const log = await b.run(["log", "--json"]);
    expect(log.stdout).toContain("campaign.miss");
    // --max-late is the limit: with 1d the first would have run.
    const b2 = await b.run(["campaign", "run-due", "--max-late", "soon"]);
    expect(b2.code).toBe(2);
    expect(b2.stderr).toContain('--max-late: "soon" is not a duration (e.g. 30m, 6h, 1d)');
  });

  it("a cancelled campaign never runs; only a scheduled one can be cancelled", async () => {
    const b = bench();
    await event(b);
    const id = await add(b, "-3h");
    const r = await b.run(["campaign", "cancel", String(id)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("campaign 1 (reminder at -3h) cancelled");
    b.now = new Date("2026-05-10T05:00:00Z");
    expect((await runDue(b)).reports).toEqual([]);
    expect(outbox(b, "ada@example.com")).toBe(0);
    const again = await b.run(["campaign", "cancel", String(id)]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(
      "error: campaign 1 is cancelled: only a scheduled one can be cancelled",
    );
    const unknown = await b.run(["campaign", "cancel", "9"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      "error: event summit has no campaign 9\nhint: see its campaigns with: evcred campaign list\n",
    );
    const bad = await b.run(["campaign", "cancel", "x"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('campaign cancel: "x" is not a campaign id');
    expect((await b.run(["log", "--json"])).stdout).toContain("campaign.cancel");
    // Ids count across the workspace: one of another event says which.
    const gala = await b.run(["event", "create", "Gala", "--starts-at", "2026-06-01T20:00Z"]);
    expect(gala.code, gala.stderr).toBe(0);
    const other = await b.run([
      "campaign",
      "add",
      "--event",
      "gala",
      "--template",
      "reminder",
      "--at",
      "-1d",
      "--json",
    ]);
    expect(other.json<{ id: number }>().id).toBe(2);
    const elsewhere = await b.run(["campaign", "cancel", "2", "--event", "summit"]);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toBe(
      "error: event summit has no campaign 2\nhint: campaign 2 is of event gala: evcred campaign cancel 2 --event gala\n",
    );
    const still = await b.run(["campaign", "list", "--event", "gala", "--json"]);
    expect(still.json<Listed[]>().map((c) => c.status)).toEqual(["scheduled"]);
  });

  it("moving the event's start moves its relative campaigns, not its ISO ones", async () => {
    const b = bench();
    await event(b);
    await add(b, "-3h");
    await add(b, "2026-05-08T18:00");
    const moved = await b.run(["event", "update", "--starts-at", "2026-05-11T10:00"]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stderr).toContain(
      "campaign 1 (reminder) moves with it: -3h → 11 May 2026, 07:00 (Europe/Madrid)",
    );
    expect(moved.stderr).not.toContain("campaign 2");
    expect((await list(b)).map((c) => c.dueAt)).toEqual([
      "2026-05-11T05:00:00.000Z",
      "2026-05-08T16:00:00.000Z",
    ]);
    // At the old time nothing is due.
    b.now = new Date("2026-05-10T05:00:00Z");
    expect((await runDue(b)).reports).toMatchObject([{ id: 2, outcome: "missed" }]);
    b.now = new Date("2026-05-11T05:00:00Z");
    expect((await runDue(b)).reports).toMatchObject([{ id: 1, outcome: "done", sent: 3 }]);
  });

  it("a permanent refusal is listed, exits 3, and is not retried by a later run", async () => {
    const b = bench();
    smtp = await startSmtp({ rcpt: (a) => (a === "grace@example.com" ? 550 : undefined) });
    await event(b);
    await add(b, "-3h");
    b.now = new Date("2026-05-10T05:00:00Z");
    const env = { EVCRED_SMTP_URL: smtp.url, EVCRED_SMTP_RETRY_MS: "1" };
    const run = await b.run(["campaign", "run-due"], { env });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain("campaign 1 (summit, reminder at -3h): done, 2 sent, 1 failed");
    expect(run.stderr).toMatch(/warning: grace@example\.com: 550/);
    expect((await list(b))[0]).toMatchObject({ status: "done", sent: 2, failed: 1 });
    const rerun = await b.run(["campaign", "run-due", "--json"], { env });
    expect(rerun.json()).toEqual({ campaigns: [] });
    expect(smtp.attempts.get("grace@example.com")).toBe(1);
    // stats: the campaign's figures next to the send's, which it does not count in.
    const stats = await b.run(["stats", "--json"]);
    expect(stats.json()).toMatchObject({
      templates: [],
      campaigns: [
        {
          id: 1,
          template: "reminder",
          when: "-3h",
          status: "done",
          sent: 2,
          failed: 1,
          pending: 0,
        },
      ],
    });
    const text = await b.run(["stats"]);
    expect(text.stdout).toContain(
      "campaigns\n  1 reminder at -3h  done: 2 sent, 1 failed, 0 pending",
    );
  });
});

describe("Ctrl-C during run-due", () => {
  it("finishes what is in flight, exits 130, and the next run-due sends the rest once", async () => {
    const b = bench();
    smtp = await startSmtp({ delayMs: 100 });
    const s = smtp;
    await event(b);
    await add(b, "-3h");
    b.now = new Date("2026-05-10T05:00:00Z");
    const env = { EVCRED_SMTP_URL: s.url, EVCRED_SMTP_CONNECTIONS: "1" };
    const stop = new AbortController();
    const started = b.run(["campaign", "run-due", "--json"], { env, interrupt: stop.signal });
    while (s.dataStarted.length === 0) await sleep(5);
    stop.abort();
    const run = await started;
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toContain("interrupted: what was in flight is recorded");
    const [report] = run.json<{ campaigns: { outcome: string; sent: number }[] }>().campaigns;
    expect(report?.outcome).toBe("incomplete");
    expect(report?.sent).toBeLessThan(3);
    expect((await list(b))[0]?.status).toBe("scheduled");
    const rest = await b.run(["campaign", "run-due", "--json"], { env });
    expect(rest.code, rest.stderr).toBe(0);
    const counts = new Map<string, number>();
    for (const m of s.received) counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
    expect([...counts.entries()].sort()).toEqual([
      ["ada@example.com", 1],
      ["alan@example.com", 1],
      ["grace@example.com", 1],
    ]);
  });
});

describe("a campaign a run on another machine left behind", () => {
  it("waits for that run's claims to run out, then sends them, once", async () => {
    const b = bench();
    await event(b);
    await add(b, "-3h");
    b.now = new Date("2026-05-10T05:00:00Z");
    // Another machine's run took the campaign, claimed ada, and died: both leases still live.
    await changeAt(
      b.db,
      "UPDATE campaigns SET status = 'running', lease_owner = 'elsewhere:1:x', lease_expires_at = ?",
      ["2026-05-10T05:02:00.000Z"],
    );
    await changeAt(
      b.db,
      `INSERT INTO deliveries (event_id, attendee_id, template, purpose, campaign_id, code_version,
         status, attempts, lease_owner, lease_expires_at, created_at, updated_at)
       SELECT event_id, id, 'reminder', 'campaign', 1, code_version, 'pending', 0, 'elsewhere:1:x',
         '2026-05-10T05:10:00.000Z', '2026-05-10T05:00:00.000Z', '2026-05-10T05:00:00.000Z'
       FROM attendees WHERE email = 'ada@example.com'`,
    );
    expect((await runDue(b)).reports).toEqual([]);
    b.now = new Date("2026-05-10T05:03:00Z");
    const partly = await runDue(b);
    expect(partly.code).toBe(3);
    expect(partly.reports).toMatchObject([
      { id: 1, outcome: "incomplete", sent: 2, reason: "1 being sent by another run" },
    ]);
    expect((await list(b))[0]).toMatchObject({ status: "scheduled", sent: 2, pending: 1 });
    b.now = new Date("2026-05-10T05:11:00Z");
    expect((await runDue(b)).reports).toMatchObject([{ id: 1, outcome: "done", sent: 1 }]);
    expect(outbox(b, "ada@example.com")).toBe(1);
    expect(outbox(b, "grace@example.com")).toBe(1);
    expect((await list(b))[0]).toMatchObject({ status: "done", sent: 3, failed: 0, pending: 0 });
  });
});

describe("evcred event create --campaigns default", () => {
  it("schedules the reminder at -1d@09:00 and -3h and says so", async () => {
    const b = bench();
    const r = await b.run([
      "event",
      "create",
      "Summit",
      "--starts-at",
      START,
      "--timezone",
      "Europe/Madrid",
      "--campaigns",
      "default",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      "campaign 1 scheduled: reminder to all at -1d@09:00 → 9 May 2026, 09:00 (Europe/Madrid)",
    );
    expect(r.stderr).toContain(
      "campaign 2 scheduled: reminder to all at -3h → 10 May 2026, 07:00 (Europe/Madrid)",
    );
    expect(r.json<{ campaigns: unknown[] }>().campaigns).toHaveLength(2);
    expect((await list(b)).map((c) => [c.when, c.status])).toEqual([
      ["-1d@09:00", "scheduled"],
      ["-3h", "scheduled"],
    ]);
    // No --from: warned now, not when the campaigns fail to run.
    expect(r.stderr).toContain(
      "warning: event summit has no sender address: through SMTP its campaigns cannot run",
    );
    const sender = await b.run([
      "event",
      "create",
      "Expo",
      "--starts-at",
      START,
      "--timezone",
      "Europe/Madrid",
      "--from",
      "Expo <team@expo.example>",
      "--campaigns",
      "default",
    ]);
    expect(sender.code, sender.stderr).toBe(0);
    expect(sender.stderr).not.toContain("no sender address");
  });

  it("skips one already past with a warning, and refuses without a start", async () => {
    const b = bench();
    // Starts in 5 hours: the day before is past, three hours before is not.
    const r = await b.run([
      "event",
      "create",
      "Soon",
      "--starts-at",
      "2026-05-04T14:00Z",
      "--campaigns",
      "default",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      "warning: -1d@09:00 not scheduled: it would have run at 3 May 2026, 09:00 (UTC), already past",
    );
    expect((await list(b)).map((c) => c.when)).toEqual(["-3h"]);
    const none = await b.run(["event", "create", "Later", "--campaigns", "default"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--campaigns: the default campaigns are relative to the start");
    const bad = await b.run([
      "event",
      "create",
      "Later",
      "--starts-at",
      START + "Z",
      "--campaigns",
      "all",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--campaigns: expected default");
    expect((await b.run(["event", "list", "--json"])).json<unknown[]>()).toHaveLength(1);
  });
});
