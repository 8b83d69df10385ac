/**
 * runDueCampaigns as `serve` calls it: a workspace, a clock, mail settings parsed once; no Context.
 * A campaign that becomes due between two ticks goes out at the first tick after, once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import { startCampaignTicker } from "../../src/app/campaign-ticker.js";
import { runDueCampaigns, type CampaignRunReport } from "../../src/app/run-due-campaigns.js";
import { parseMailSettings, type MailSettings } from "../../src/mail/settings.js";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";
import { benchPerTest, SAMPLE_CSV } from "../helpers/workspace.js";

const bench = benchPerTest();

function mailFrom(env: NodeJS.ProcessEnv, resolve: (path: string) => string): MailSettings {
  return parseMailSettings(env, resolve, { insecureSmtp: false });
}
let smtp: TestSmtp | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

describe("runDueCampaigns", () => {
  it("sends a campaign at the first tick after it is due, and only then", async () => {
    const b = bench();
    smtp = await startSmtp();
    b.file("attendees.csv", SAMPLE_CSV);
    expect((await b.run(["import", "attendees.csv", "--event", "summit", "--yes"])).code).toBe(0);
    const update = await b.run([
      "event",
      "update",
      "--starts-at",
      "2026-05-04T12:00Z",
      "--from",
      "team@example.com",
    ]);
    expect(update.code, update.stderr).toBe(0);
    const add = await b.run(["campaign", "add", "--template", "reminder", "--at", "-90m"]);
    expect(add.code, add.stderr).toBe(0);

    const ws = await b.open();
    try {
      let now = new Date("2026-05-04T10:29:00Z");
      const tick = () =>
        runDueCampaigns(ws, {
          now: () => now,
          templatesDir: b.templatesDir,
          mail: mailFrom({ EVCRED_SMTP_URL: smtp?.url }, (p) => b.path(p)),
          maxLateMs: 6 * 3_600_000,
          actor: "serve",
        });
      expect(await tick()).toEqual([]);
      expect(smtp.received).toHaveLength(0);
      now = new Date("2026-05-04T10:30:20Z");
      expect(await tick()).toMatchObject([
        { id: 1, outcome: "done", sent: 3, dueAt: "2026-05-04T10:30:00.000Z" },
      ]);
      now = new Date("2026-05-04T10:31:20Z");
      expect(await tick()).toEqual([]);
      expect(smtp.received.map((m) => m.to).sort()).toEqual([
        "ada@example.com",
        "alan@example.com",
        "grace@example.com",
      ]);
    } finally {
      void ws.close();
    }
  });

  it("the ticker sends a campaign that becomes due while it runs, once, and stops cleanly", async () => {
    const b = bench();
    smtp = await startSmtp();
    const s = smtp;
    b.file("attendees.csv", SAMPLE_CSV);
    expect((await b.run(["import", "attendees.csv", "--event", "summit", "--yes"])).code).toBe(0);
    await b.run(["event", "update", "--starts-at", "2026-05-04T13:00Z", "--from", "t@example.com"]);
    expect((await b.run(["campaign", "add", "--template", "reminder", "--at", "-3h"])).code).toBe(
      0,
    );
    const ws = await b.open();
    let now = new Date("2026-05-04T09:59:00Z");
    const reports: CampaignRunReport[] = [];
    const ticker = startCampaignTicker(ws, {
      now: () => now,
      templatesDir: b.templatesDir,
      mail: mailFrom({ EVCRED_SMTP_URL: s.url }, (p) => b.path(p)),
      maxLateMs: 3_600_000,
      actor: "serve",
      everyMs: 10,
      onReports: (r) => reports.push(...r),
    });
    try {
      await sleep(60);
      expect(s.received).toHaveLength(0);
      now = new Date("2026-05-04T10:00:05Z");
      for (let i = 0; i < 200 && reports.length === 0; i++) await sleep(10);
      await sleep(60); // more ticks: nothing more
      expect(reports).toMatchObject([{ id: 1, outcome: "done", sent: 3 }]);
      expect(s.received).toHaveLength(3);
    } finally {
      await ticker.stop();
      void ws.close();
    }
  });

  it("a server that does not answer leaves the campaign due: an error, not a loss", async () => {
    const b = bench();
    b.file("attendees.csv", SAMPLE_CSV);
    expect((await b.run(["import", "attendees.csv", "--event", "summit", "--yes"])).code).toBe(0);
    await b.run(["event", "update", "--starts-at", "2026-05-04T12:00Z", "--from", "t@example.com"]);
    expect((await b.run(["campaign", "add", "--template", "reminder", "--at", "-1h"])).code).toBe(
      0,
    );
    const ws = await b.open();
    try {
      const dead = mailFrom(
        { EVCRED_SMTP_URL: "smtp://127.0.0.1:1", EVCRED_SMTP_TIMEOUT_MS: "2000" },
        (p) => b.path(p),
      );
      const at = new Date("2026-05-04T11:00:30Z");
      const [report] = await runDueCampaigns(ws, {
        now: () => at,
        templatesDir: b.templatesDir,
        mail: dead,
        maxLateMs: 3_600_000,
        actor: "serve",
      });
      expect(report).toMatchObject({ id: 1, outcome: "error", sent: 0 });
      // The transport was built and proven as every command builds one (mail/settings.ts).
      expect(report?.reason).toMatch(/^cannot send through smtp:\/\/127\.0\.0\.1:1/);
      // Tried again a minute later, failing alike: the log says it once, not once a minute.
      const [again] = await runDueCampaigns(ws, {
        now: () => new Date(at.getTime() + 60_000),
        templatesDir: b.templatesDir,
        mail: dead,
        maxLateMs: 3_600_000,
        actor: "serve",
      });
      expect(again).toMatchObject({ id: 1, outcome: "error", sent: 0 });
    } finally {
      void ws.close();
    }
    const list = await b.run(["campaign", "list", "--json"]);
    expect(list.json<{ status: string }[]>()[0]?.status).toBe("scheduled");
    const runs = ((await b.snapshot()).audit_log as { action: string; summary: string }[]).filter(
      (e) => e.action === "campaign.run",
    );
    expect(runs).toHaveLength(1);
    expect(runs[0]?.summary).toMatch(/^campaign 1: reminder at -1h: not sent: cannot send/);
  });
});
