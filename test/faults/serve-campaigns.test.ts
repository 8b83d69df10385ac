/**
 * `evcred serve` runs due campaigns (at start, then every minute): two serves on one workspace,
 * started together, run a due campaign once and mail each attendee once; a stop (SIGTERM) waits
 * for the messages being sent.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { attendeeCsv, sandbox, type Sandbox } from "../helpers/faults.js";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";

let box: Sandbox | undefined;
let smtp: TestSmtp | undefined;
afterEach(async () => {
  await smtp?.close();
  box?.remove();
  smtp = undefined;
  box = undefined;
});

/** A sandbox with `count` attendees and a reminder campaign that has just become due. */
async function dueCampaign(name: string, s: TestSmtp, count: number): Promise<Sandbox> {
  const b = sandbox(name, { EVCRED_SMTP_URL: s.url, EVCRED_SMTP_RETRY_MS: "5" });
  box = b;
  writeFileSync(join(b.dir, "a.csv"), attendeeCsv(count));
  expect((await b.run(["import", "a.csv", "--event", "ev", "--yes"])).code).toBe(0);
  expect((await b.run(["event", "update", "--from", "team@example.com"])).code).toBe(0);
  const at = new Date(Date.now() + 1500).toISOString();
  const added = await b.run(["campaign", "add", "--template", "reminder", "--at", at]);
  expect(added.code, added.stderr).toBe(0);
  await sleep(Math.max(0, Date.parse(at) - Date.now()) + 50);
  return b;
}

describe("serve runs due campaigns", () => {
  it("two serves started together: the campaign runs once, each attendee gets one message", async () => {
    const s = await startSmtp();
    smtp = s;
    const b = await dueCampaign("serve-campaign", s, 40);

    const serves = [0, 1].map(() => b.start(["serve", "--port", "0"]));
    const deadline = Date.now() + 30_000;
    while (s.received.length < 40 && Date.now() < deadline) await sleep(100);
    await sleep(500); // a second run, had one started, would have sent by now
    for (const p of serves) p.child.kill("SIGTERM");
    const ended = await Promise.all(serves.map((p) => p.done));
    expect(ended.map((r) => r.code)).toEqual([0, 0]);

    const perRecipient = new Map<string, number>();
    for (const m of s.received) perRecipient.set(m.to, (perRecipient.get(m.to) ?? 0) + 1);
    expect(perRecipient.size).toBe(40);
    expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
    const stderr = ended.map((r) => r.stderr).join("");
    expect(stderr.match(/listening on http/g)).toHaveLength(2);
    expect(
      stderr.match(/campaign 1 \(ev, reminder at .*\): done, 40 sent, 0 failed/g),
    ).toHaveLength(1);
    const list = await b.run(["campaign", "list", "--json"]);
    expect(JSON.parse(list.stdout)).toMatchObject([{ id: 1, status: "done", sent: 40 }]);
  });

  it("names in its log the attendees the server refused for good", async () => {
    const s = await startSmtp({ rcpt: (a) => (a === "person1@example.com" ? 550 : undefined) });
    smtp = s;
    const b = await dueCampaign("serve-refused", s, 3);

    const serve = b.start(["serve", "--port", "0"]);
    const deadline = Date.now() + 30_000;
    while (s.received.length < 2 && Date.now() < deadline) await sleep(100);
    await sleep(500);
    serve.child.kill("SIGTERM");
    const ended = await serve.done;
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stderr).toMatch(/campaign 1 \(ev, reminder at .*\): done, 2 sent, 1 failed\n/);
    expect(ended.stderr).toMatch(/^campaign 1: person1@example\.com: 550 .*No such user/m);
    expect(s.attempts.get("person1@example.com")).toBe(1);
  });

  it("a campaign that becomes due while serve runs goes out at the next minute's tick, once", async () => {
    const s = await startSmtp();
    smtp = s;
    const b = sandbox("serve-tick", { EVCRED_SMTP_URL: s.url, EVCRED_SMTP_RETRY_MS: "5" });
    box = b;
    writeFileSync(join(b.dir, "a.csv"), attendeeCsv(5));
    expect((await b.run(["import", "a.csv", "--event", "ev", "--yes"])).code).toBe(0);
    expect((await b.run(["event", "update", "--from", "team@example.com"])).code).toBe(0);
    const at = new Date(Date.now() + 5_000).toISOString();
    const added = await b.run(["campaign", "add", "--template", "reminder", "--at", at]);
    expect(added.code, added.stderr).toBe(0);

    const serve = b.start(["serve", "--port", "0"]);
    // Not due at the first tick (at start); due at the second, a minute later.
    await sleep(Math.max(0, Date.parse(at) - Date.now()));
    expect(s.received).toHaveLength(0);
    const deadline = Date.now() + 75_000;
    while (s.received.length < 5 && Date.now() < deadline) await sleep(250);
    await sleep(300);
    serve.child.kill("SIGTERM");
    const ended = await serve.done;
    expect(ended.code, ended.stderr).toBe(0);
    expect(new Set(s.received.map((m) => m.to)).size).toBe(5);
    expect(s.received).toHaveLength(5);
    expect(ended.stderr).toMatch(/campaign 1 \(ev, reminder at .*\): done, 5 sent, 0 failed/);
  }, 120_000);
});
