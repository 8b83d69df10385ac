/**
 * A scripted history for the metrics tests: imports, deliveries written as the send runner
 * would, logins through `verify`, a reset and a removal, each at a known time.
 */
import { expect } from "vitest";
import type { DeliveryRow } from "../../src/store/schema.js";
import { changeAt, lookAt } from "./look.js";
import { SAMPLE_CSV, type TestBench } from "./workspace.js";

export type Delivery = Pick<DeliveryRow, "template" | "status"> & {
  email: string;
  /** The code version it carried; the attendee's current one unless told. */
  version?: number;
};

/** Deliveries inserted directly into the workspace, stamped with the bench's clock. */
export async function deliver(b: TestBench, ...list: Delivery[]): Promise<void> {
  for (const d of list) {
    const [a] = await lookAt<{ id: number; eventId: number; v: number }>(
      b.db,
      `SELECT a.id, a.event_id AS "eventId", a.code_version AS v FROM attendees a
       JOIN events e ON e.id = a.event_id WHERE a.email = ? ORDER BY e.id LIMIT 1`,
      [d.email],
    );
    if (!a) throw new Error(`no attendee ${d.email}`);
    const at = b.now.toISOString();
    await changeAt(
      b.db,
      `INSERT INTO deliveries (event_id, attendee_id, template, purpose, code_version, status,
         attempts, created_at, updated_at) VALUES (?, ?, ?, 'send', ?, ?, 1, ?, ?)`,
      [a.eventId, a.id, d.template, d.version ?? a.v, d.status, at, at],
    );
  }
}

async function ok(b: TestBench, argv: string[], env?: NodeJS.ProcessEnv): Promise<void> {
  const r = await b.run(argv, env ? { env } : {});
  expect(r.code, `${argv.join(" ")}: ${r.stderr}`).toBe(0);
}

function at(b: TestBench, time: string): void {
  b.now = new Date(`2026-05-04T${time}:00.000Z`);
}

/**
 * summit-2026, 4 registered at 09:00 (ada, grace, alan, linus), then:
 * - deliveries: credentials ada sent, grace failed, alan pending, linus sent; reminder ada sent,
 *   grace failed
 * - logins: 09:10 ada ok, 09:11 ada ok, 09:12 grace ok, 09:13 alan wrong code, 09:14 unknown
 *   email, 09:15 linus ok
 * - 09:20 alice resets grace's code (her failed delivery was of the old code)
 * - 09:30 tester removes linus (his deliveries go, his login stays, unattributed)
 * - 09:40 other-2026 imported with one attendee
 * Returns every code that ever existed, for the privacy checks.
 */
export async function scriptedHistory(b: TestBench): Promise<string[]> {
  at(b, "09:00");
  b.file("summit.csv", SAMPLE_CSV + "linus@example.com,Linus,Torvalds,Linux\n");
  await ok(b, ["import", "summit.csv", "--event", "summit-2026", "--yes"]);
  const emails = ["ada", "grace", "alan", "linus"].map((n) => `${n}@example.com`);
  const codes: string[] = [];
  for (const e of emails) codes.push(await b.codeOf(e));
  await deliver(
    b,
    { email: "ada@example.com", template: "credentials", status: "sent" },
    { email: "grace@example.com", template: "credentials", status: "failed" },
    { email: "alan@example.com", template: "credentials", status: "pending" },
    { email: "linus@example.com", template: "credentials", status: "sent" },
    { email: "ada@example.com", template: "reminder", status: "sent" },
    { email: "grace@example.com", template: "reminder", status: "failed" },
  );
  const attempts: [string, string, string, number][] = [
    ["09:10", "ada@example.com", codes[0] ?? "", 0],
    ["09:11", "ada@example.com", codes[0] ?? "", 0],
    ["09:12", "grace@example.com", codes[1] ?? "", 0],
    ["09:13", "alan@example.com", "WRONGCODE2", 1],
    ["09:14", "nobody@example.com", "WRONGCODE2", 1],
    ["09:15", "linus@example.com", codes[3] ?? "", 0],
  ];
  for (const [time, email, code, exit] of attempts) {
    at(b, time);
    expect((await b.run(["verify", email, code])).code).toBe(exit);
  }
  at(b, "09:20");
  await ok(b, ["reset-code", "grace@example.com", "--generate", "--yes"], {
    EVCRED_ACTOR: "alice",
  });
  codes.push(await b.codeOf("grace@example.com"));
  at(b, "09:30");
  await ok(b, ["attendees", "remove", "linus@example.com", "--yes"]);
  at(b, "09:40");
  b.file("other.csv", "email,name\nada@example.com,Ada Lovelace\n");
  await ok(b, ["import", "other.csv", "--event", "other-2026", "--yes"]);
  codes.push(await b.codeOf("ada@example.com", "other-2026"));
  await ok(b, ["event", "use", "summit-2026"]);
  return codes;
}

export async function expectNoCodeIn(b: TestBench, codes: readonly string[]): Promise<void> {
  const audit = JSON.stringify((await b.snapshot()).audit_log);
  for (const code of codes) {
    expect(code).toMatch(/^[2-9A-HJKMNP-TV-Z]{10}$/);
    for (const text of b.transcript) expect(text).not.toContain(code);
    expect(audit).not.toContain(code);
  }
}
