/**
 * The delivery runner's own guarantees, driven directly: a failure to record an accepted message
 * never sends it again, one damaged attendee fails alone, and a failing template never quotes
 * the code it was rendering.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { groupCode } from "../../src/domain/codes.js";
import { runDeliveries, type RunOptions } from "../../src/mail/runner.js";
import { loadTemplate, TemplateError, type TemplateVars } from "../../src/mail/templates.js";
import type { Accepted, MailTransport, OutgoingMessage } from "../../src/mail/transport.js";
import { attendees, events } from "../../src/store/schema.js";
import type { Workspace } from "../../src/store/workspace.js";
import { openWorkspace } from "../../src/store/workspace.js";
import { lookAt } from "../helpers/faults.js";
import { describePostgres, useTestDatabase } from "../helpers/postgres.js";
import { benchPerTest, type TestBench } from "../helpers/workspace.js";
import { sqliteOf } from "../helpers/sqlite.js";

const bench = benchPerTest();

/** A transport that accepts everything and remembers it, and can run a step after each send. */
function recordingTransport(
  after?: (sent: number) => void,
): MailTransport & { sent: OutgoingMessage[] } {
  const sent: OutgoingMessage[] = [];
  return {
    kind: "outbox",
    description: "memory",
    sent,
    send(message): Promise<Accepted> {
      sent.push(message);
      after?.(sent.length);
      return Promise.resolve({ messageId: `<${sent.length}@test>`, response: "250 ok" });
    },
    verify: () => Promise.resolve(),
    close: () => undefined,
  };
}

async function setUp(
  b: TestBench,
  rows: number,
): Promise<{ ws: Workspace; options: Omit<RunOptions, "transport"> }> {
  const csv = [
    "email,first_name",
    ...Array.from({ length: rows }, (_, i) => `p${i}@example.com,P${i}`),
  ];
  b.file("a.csv", csv.join("\n") + "\n");
  expect((await b.run(["import", "a.csv", "--event", "ev", "--yes"])).code).toBe(0);
  const ws = await b.open();
  const event = sqliteOf(ws).db.select().from(events).get();
  if (!event) throw new Error("no event");
  const ids = sqliteOf(ws)
    .db.select({ id: attendees.id })
    .from(attendees)
    .all()
    .map((r) => r.id);
  return {
    ws,
    options: {
      event,
      template: loadTemplate(b.templatesDir, "credentials"),
      from: "team@example.com",
      purpose: "send",
      attendeeIds: ids,
      onlyDue: true,
      retry: { attempts: 4, baseDelayMs: 1 },
      concurrency: 3,
      now: () => b.now,
      signal: new AbortController().signal,
    },
  };
}

describe("runDeliveries", () => {
  it("never sends again a message it could not record, and stops every worker", async () => {
    const b = bench();
    const { ws, options } = await setUp(b, 30);
    const transport = recordingTransport((n) => {
      if (n === 5) sqliteOf(ws).sqlite.close(); // the database goes away after the server took message 5
    });
    await expect(runDeliveries(ws, { ...options, transport })).rejects.toThrow();
    const perRecipient = new Map<string, number>();
    for (const m of transport.sent)
      perRecipient.set(m.to.address, (perRecipient.get(m.to.address) ?? 0) + 1);
    expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
    // Only what was already in flight when it failed: at most one message per worker beyond it.
    expect(transport.sent.length).toBeLessThanOrEqual(5 + options.concurrency);
  });

  it("records accepted messages before their worker sends another: never more than one unrecorded per worker", async () => {
    const b = bench();
    const { ws, options } = await setUp(b, 40);
    const recorded = sqliteOf(ws).sqlite.prepare(
      "SELECT count(*) FROM deliveries WHERE status = 'sent'",
    );
    const unrecorded: number[] = [];
    const transport = recordingTransport((n) => {
      // The message being handed over now is not accepted yet: the n - 1 before it were.
      unrecorded.push(n - 1 - (recorded.pluck().get() as number));
    });
    const summary = await runDeliveries(ws, { ...options, transport });
    expect(summary.sent).toBe(40);
    expect(Math.max(...unrecorded)).toBeLessThanOrEqual(options.concurrency - 1);
    // They are written together (one transaction per turn of the event loop), not one by one.
    expect(Math.max(...unrecorded)).toBeGreaterThan(0);
    expect(recorded.pluck().get()).toBe(40);
    void ws.close();
  });

  it("on a forced exit, writes the rows of accepted messages still waiting for the end of the turn", async () => {
    const b = bench();
    const { ws, options } = await setUp(b, 9);
    const before = process.listeners("exit");
    const recorded = () =>
      sqliteOf(ws)
        .sqlite.prepare("SELECT count(*) FROM deliveries WHERE status = 'sent'")
        .pluck()
        .get();
    const seen: { waiting: number; afterExit: unknown }[] = [];
    const transport = recordingTransport((n) => {
      if (n !== 6) return;
      // Once this turn's promises have run, messages 4-6 are accepted and their rows wait for
      // the end of the turn; `process.exit` would run the exit listeners before it comes.
      process.nextTick(() => {
        const waiting = 6 - (recorded() as number);
        for (const listener of process.listeners("exit"))
          if (!before.includes(listener)) listener(130);
        seen.push({ waiting, afterExit: recorded() });
      });
    });
    const summary = await runDeliveries(ws, { ...options, transport });
    expect(summary.sent).toBe(9);
    expect(seen).toEqual([{ waiting: 3, afterExit: 6 }]);
    expect(process.listeners("exit")).toEqual(before); // the listener is gone once the run ends
    void ws.close();
  });

  it("fails only the attendee whose sealed code is damaged, without a code in the reason", async () => {
    const b = bench();
    const { ws, options } = await setUp(b, 4);
    sqliteOf(ws)
      .db.update(attendees)
      .set({ codeSealed: Buffer.alloc(40, 7) })
      .where(eq(attendees.email, "p1@example.com"))
      .run();
    const transport = recordingTransport();
    const summary = await runDeliveries(ws, { ...options, transport });
    expect(summary.sent).toBe(3);
    expect(summary.failed).toEqual([
      { email: "p1@example.com", response: expect.stringContaining("reset") as string },
    ]);
    void ws.close();
  });

  it("reports a template that breaks on one attendee without quoting what it rendered", async () => {
    const b = bench();
    b.file(
      "templates/parse.eta",
      "---\nsubject: Hi\n---\n<%= it.user_email %> <%= JSON.parse(it.user_pass) %>\n",
    );
    const { ws, options } = await setUp(b, 2);
    // Such a template is refused before any send now (the code only alone in an output tag) …
    expect(() => loadTemplate(b.templatesDir, "parse")).toThrow(/may only be output on its own/);
    // … and should a render still throw with the code in its message, the runner quotes none.
    const credentials = loadTemplate(b.templatesDir, "credentials");
    const template = {
      ...credentials,
      render: (vars: TemplateVars) => {
        throw new TemplateError("templates/parse.eta", 4, `Unexpected token ${vars.user_pass}`);
      },
    };
    const codes = await Promise.all(["p0@example.com", "p1@example.com"].map((e) => b.codeOf(e)));
    const summary = await runDeliveries(ws, {
      ...options,
      template,
      transport: recordingTransport(),
    });
    expect(summary.failed).toHaveLength(2);
    const stored = sqliteOf(ws).sqlite.prepare("SELECT response FROM deliveries").all() as {
      response: string;
    }[];
    for (const code of codes) {
      for (const text of [
        ...summary.failed.map((f) => f.response),
        ...stored.map((r) => r.response),
      ]) {
        expect(text).not.toContain(code);
        expect(text).not.toContain(groupCode(code));
        expect(text.toLowerCase()).not.toContain(groupCode(code).toLowerCase());
      }
    }
    void ws.close();
  });
});

describePostgres("runDeliveries on PostgreSQL", () => {
  const database = useTestDatabase({ migrate: false });

  it("sends everyone when the server answers before the next chunk's claim is back", async () => {
    const b = bench();
    b.env.EVCRED_DB = database.url;
    const rows = [
      "email,first_name",
      ...Array.from({ length: 41 }, (_, i) => `p${i}@example.com,P${i}`),
    ];
    b.file("a.csv", rows.join("\n") + "\n");
    expect((await b.run(["import", "a.csv", "--event", "ev", "--yes"])).code).toBe(0);
    const ws = await openWorkspace({ path: database.url, keyPath: b.env.EVCRED_KEY_FILE ?? "" });
    try {
      const event = await ws.store.events.bySlug("ev");
      if (!event) throw new Error("no event");
      const ids = (
        await lookAt<{ id: number }>(database.url, "SELECT id FROM attendees ORDER BY id")
      ).map((r) => r.id);
      // Accepted at once: a worker is back for more while the chunk claimed ahead is still in
      // the database's hands (a claim is several round trips, a settlement one); none may take
      // that for the end of the run.
      for (const concurrency of [1, 2, 3]) {
        const transport = recordingTransport();
        const summary = await runDeliveries(ws, {
          event,
          template: loadTemplate(b.templatesDir, "credentials"),
          from: "team@example.com",
          purpose: "send",
          attendeeIds: ids,
          onlyDue: false,
          retry: { attempts: 1, baseDelayMs: 1 },
          concurrency,
          now: () => b.now,
          signal: new AbortController().signal,
          transport,
        });
        expect(summary, `concurrency ${concurrency}`).toMatchObject({ sent: 41, notSent: 0 });
        expect(new Set(transport.sent.map((m) => m.to)).size).toBe(41);
      }
    } finally {
      await ws.close();
    }
  });
});
