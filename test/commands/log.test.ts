import { describe, expect, it } from "vitest";
import type { AuditView } from "../../src/domain/audit-query.js";
import { expectNoCodeIn, scriptedHistory } from "../helpers/history.js";
import { benchPerTest } from "../helpers/workspace.js";

const bench = benchPerTest();

interface Page {
  event: string | null;
  since: string | null;
  entries: AuditView[];
  total: number;
}

const brief = (e: AuditView) => [e.at.slice(11, 16), e.actor, e.action, e.event, e.email];

describe("evcred log", () => {
  it("lists the event's audit trail, newest first, with actor, action, attendee and summary", async () => {
    const b = bench();
    const codes = await scriptedHistory(b);
    const r = await b.run(["log", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const page = r.json<Page>();
    expect(page.entries.map(brief)).toEqual([
      ["09:30", "tester", "attendee.remove", "summit-2026", "linus@example.com"],
      ["09:20", "alice", "code.reset", "summit-2026", "grace@example.com"],
      ["09:00", "tester", "import", "summit-2026", null],
      ["09:00", "tester", "event.create", "summit-2026", null],
    ]);
    expect(page).toMatchObject({ event: "summit-2026", since: null, total: 4 });
    expect(page.entries[1]?.summary).toBe("new code generated (version 2)");
    expect(page.entries[2]?.summary).toMatch(
      /summit\.csv: 4 new, 0 updated, 0 unchanged, 0 rejected$/,
    );
    await expectNoCodeIn(b, codes);
  });

  it("filters by attendee, any spelling of the email", async () => {
    const b = bench();
    await scriptedHistory(b);
    const r = await b.run(["log", "--attendee", " Grace@Example.COM", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<Page>().entries.map(brief)).toEqual([
      ["09:20", "alice", "code.reset", "summit-2026", "grace@example.com"],
    ]);
  });

  it("filters by --since, as an ISO time or a duration back from now", async () => {
    const b = bench();
    await scriptedHistory(b);
    const iso = await b.run(["log", "--since", "2026-05-04T09:20:00Z", "--json"]);
    expect(iso.json<Page>().entries.map((e) => e.action)).toEqual([
      "attendee.remove",
      "code.reset",
    ]);
    expect(iso.json<Page>().since).toBe("2026-05-04T09:20:00.000Z");
    // Now is 09:40: 15m back is 09:25.
    const ago = await b.run(["log", "--since", "15m", "--json"]);
    expect(ago.json<Page>()).toMatchObject({ since: "2026-05-04T09:25:00.000Z", total: 1 });
    expect(ago.json<Page>().entries.map((e) => e.action)).toEqual(["attendee.remove"]);
  });

  it("--all-events adds the other events; --limit keeps the newest and says how many there are", async () => {
    const b = bench();
    await scriptedHistory(b);
    const all = await b.run(["log", "--all-events", "--json"]);
    const page = all.json<Page>();
    expect(page.event).toBeNull();
    expect(page.total).toBe(6);
    expect(page.entries.slice(0, 2).map(brief)).toEqual([
      ["09:40", "tester", "import", "other-2026", null],
      ["09:40", "tester", "event.create", "other-2026", null],
    ]);
    const limited = await b.run(["log", "--limit", "1"]);
    expect(limited.code, limited.stderr).toBe(0);
    expect(limited.stderr).toContain("latest 1 of 4 entries");
    expect(limited.stdout).toContain("attendee.remove");
    expect(limited.stdout).not.toContain("code.reset");
  });

  it("prints a table for people", async () => {
    const b = bench();
    await scriptedHistory(b);
    const r = await b.run(["log"]);
    expect(r.code, r.stderr).toBe(0);
    const [header, first] = r.stdout.split("\n");
    expect(header).toMatch(/^TIME \(UTC\) +ACTOR +ACTION +ATTENDEE +SUMMARY$/);
    expect(first).toMatch(
      /^2026-05-04 09:30:00 +tester +attendee\.remove +linus@example\.com +removed/,
    );
    expect(r.stderr).toContain("4 entries for summit-2026");
  });

  it.each([
    [["--since", "yesterday"], '--since: "yesterday" is neither an ISO date/time nor a duration'],
    [["--since", "2026-13-45"], '--since: "2026-13-45" is not a real time: there is no month 13'],
    [
      ["--since", "2026-02-30"],
      '--since: "2026-02-30" is not a real time: February 2026 has 28 days',
    ],
    [["--limit", "0"], "--limit: must be at least 1"],
    [["--attendee", "not-an-email"], "--attendee: expected an email address"],
  ])("%j is a usage error (exit 2)", async (args, message) => {
    const b = bench();
    await scriptedHistory(b);
    const r = await b.run(["log", ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
