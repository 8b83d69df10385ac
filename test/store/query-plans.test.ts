/**
 * The reads an organizer runs on event day (`attendees list`, `stats`, `/metrics`) look up each
 * attendee's deliveries and logins through an index. A whole-table scan inside the per-attendee
 * subqueries makes them quadratic: 10,000 attendees with 20,000 logins took `attendees list` from
 * 0.3 s to 11 s before `logins_attendee_ok_at`. SQLite's own query plans are the evidence, so the
 * test holds on any machine and at any size.
 */
import type Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { countMatching, listAttendees } from "../../src/domain/attendees.js";
import { resolveEvent } from "../../src/domain/events.js";
import { deliveryCounts, loginCounts } from "../../src/domain/metrics.js";
import { eventStats } from "../../src/domain/stats.js";
import type { Workspace } from "../../src/store/workspace.js";
import { benchPerTest, SAMPLE_CSV } from "../helpers/workspace.js";
import { sqliteOf } from "../helpers/sqlite.js";

const bench = benchPerTest();

/** The SQL texts `fn` prepares on `ws`, in order. */
async function preparedBy(ws: Workspace, fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const prepare = sqliteOf(ws).sqlite.prepare.bind(sqliteOf(ws).sqlite);
  const spy = sqliteOf(ws).sqlite as { prepare: (source: string) => Database.Statement };
  spy.prepare = (source: string) => {
    seen.push(source);
    return prepare(source);
  };
  try {
    await fn();
  } finally {
    spy.prepare = prepare;
  }
  return seen;
}

interface PlanStep {
  id: number;
  parent: number;
  detail: string;
}

/** SQLite's plan for `source`, its parameters bound to null (the plan does not depend on them). */
function planOf(ws: Workspace, source: string): PlanStep[] {
  const explain = sqliteOf(ws).sqlite.prepare(`EXPLAIN QUERY PLAN ${source}`);
  for (let n = 0; n <= 64; n++) {
    try {
      return explain.all(...Array.from({ length: n }, () => null)) as PlanStep[];
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
    }
  }
  throw new Error(`could not bind the parameters of: ${source}`);
}

/** The whole-table scans a plan runs once per row of an outer query (in a correlated subquery). */
function scansPerRow(plan: readonly PlanStep[]): string[] {
  const byId = new Map(plan.map((step) => [step.id, step]));
  const correlated = (step: PlanStep): boolean => {
    for (let up = byId.get(step.parent); up; up = byId.get(up.parent))
      if (up.detail.startsWith("CORRELATED")) return true;
    return false;
  };
  return plan.filter((s) => s.detail.startsWith("SCAN ") && correlated(s)).map((s) => s.detail);
}

describe("event-day reads use indexes", () => {
  it("never scans a whole table once per attendee", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    expect((await b.run(["import", "a.csv", "--event", "ev", "--yes"])).code).toBe(0);
    const ws = await b.open();
    try {
      const event = await resolveEvent(ws, "ev");
      const now = b.now;
      const queries = await preparedBy(ws, async () => {
        await listAttendees(ws, event, { now });
        for (const status of ["unsent", "sent", "failed", "logged-in", "locked"] as const)
          await countMatching(ws, event, { status, now });
        await eventStats(ws, event);
        await loginCounts(ws);
        await deliveryCounts(ws);
      });
      expect(queries.length).toBeGreaterThan(5);
      const scans = queries.flatMap((source) =>
        scansPerRow(planOf(ws, source)).map((step) => `${step}  in  ${source}`),
      );
      expect(scans).toEqual([]);
    } finally {
      void ws.close();
    }
  });
});
