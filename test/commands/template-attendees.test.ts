import { existsSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { eachAttendee } from "../../src/domain/each-attendee.js";
import { requireEvent } from "../../src/domain/events.js";
import { runDeliveries } from "../../src/mail/runner.js";
import { loadTemplate } from "../../src/mail/templates.js";
import { benchPerTest, SAMPLE_CSV, type TestBench, itOnSqlite } from "../helpers/workspace.js";

async function all<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

const bench = benchPerTest();

/** The company column upper-cased, on line 5 of the file: breaks for whoever has no company. */
const SHOUTS_COMPANY = `---
subject: Your access code
---
Hello <%= it.user_email %>, your code is <%= it.user_pass %>.
From <%= it.fields.company.toUpperCase() %>
`;

/** SAMPLE_CSV (with a company column), then late registrations from a file without one. */
async function mixedColumns(b: TestBench): Promise<void> {
  b.file("a.csv", SAMPLE_CSV);
  b.file("late.csv", "email,first_name\nlinus@example.com,Linus\nkat@example.com,Kat\n");
  expect((await b.run(["import", "a.csv", "--event", "ev", "--yes"])).code).toBe(0);
  expect((await b.run(["import", "late.csv", "--event", "ev", "--yes"])).code).toBe(0);
  b.file("templates/shout.eta", SHOUTS_COMPANY);
}

describe("template check renders for the event's real attendees", () => {
  it("refuses a template that breaks for attendees without a column: file:line, how many, who", async () => {
    const b = bench();
    await mixedColumns(b);
    const before = await b.snapshot();
    const r = await b.run(["template", "check", "shout"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("templates/shout.eta:5: ");
    expect(r.stderr).toContain("for 2 of 5 attendees of ev: linus@example.com, kat@example.com");
    expect(r.stderr).toContain('(no "company" column)');
    expect(r.stderr).toContain("hint: give those attendees a company value");
    expect(r.stderr).toContain("evcred preview shout --to linus@example.com");
    expect(r.stderr).not.toContain("EMAIL");
    expect(await b.snapshot()).toEqual(before);
    for (const email of ["ada", "grace", "alan", "linus", "kat"]) {
      expect(r.stderr).not.toContain(await b.codeOf(`${email}@example.com`));
    }
    const json = await b.run(["template", "check", "shout", "--json"]);
    expect(json.json<{ error: { message: string } }>().error.message).toContain(
      "templates/shout.eta:5",
    );
  });

  it("passes when every attendee has the column, and says how many it rendered for", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    b.file("templates/shout.eta", SHOUTS_COMPANY);
    const r = await b.run(["template", "check", "shout"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("all 3 attendees of ev");
    expect((await b.run(["template", "check", "shout", "--json"])).json()).toMatchObject({
      attendees: 3,
    });
  });

  it("names the first few and counts the rest", async () => {
    const b = bench();
    const late = Array.from({ length: 8 }, (_, i) => `late${i}@example.com`);
    b.file("a.csv", SAMPLE_CSV);
    b.file("late.csv", `email\n${late.join("\n")}\n`);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    await b.run(["import", "late.csv", "--event", "ev", "--yes"]);
    b.file("templates/shout.eta", SHOUTS_COMPANY);
    const r = await b.run(["template", "check", "shout"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `for 8 of 11 attendees of ev: ${late.slice(0, 5).join(", ")} and 3 more`,
    );
  });

  it("reads the attendees a batch at a time, every one of them", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV + "kat@example.com,Kat,Johnson,NASA\nlinus@example.com,Linus,T,\n");
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    const ws = await b.open();
    try {
      const event = await requireEvent(ws, "ev");
      expect((await all(eachAttendee(ws, event, 2))).map((a) => a.email)).toEqual([
        "ada@example.com",
        "grace@example.com",
        "alan@example.com",
        "kat@example.com",
        "linus@example.com",
      ]);
      expect(await all(eachAttendee(ws, event, 5))).toHaveLength(5);
    } finally {
      void ws.close();
    }
  });

  itOnSqlite(
    "works on templates alone in a folder without a workspace, and creates none",
    async () => {
      const b = bench();
      expect((await b.run(["template", "new", "welcome"])).code).toBe(0);
      expect(existsSync(b.path("templates/welcome.eta"))).toBe(true);
      const check = await b.run(["template", "check", "welcome"]);
      expect(check.code, check.stderr).toBe(0);
      const list = await b.run(["template", "list", "--json"]);
      expect(list.code, list.stderr).toBe(0);
      expect(list.json<{ templates: { name: string }[] }>().templates.map((t) => t.name)).toContain(
        "welcome",
      );
      const human = await b.run(["template", "list"]);
      expect(human.stderr).toContain(`no workspace here (${b.dbPath}): links are per event`);
      expect(existsSync(b.dbPath)).toBe(false);
    },
  );
});

describe("send checks the template against its recipients before asking", () => {
  it("refuses before the confirmation, naming who; nothing sent, nothing changed", async () => {
    const b = bench();
    await mixedColumns(b);
    const before = await b.snapshot();
    const r = await b.run(["send", "--template", "shout"], { tty: true });
    expect(r.code).toBe(2);
    expect(b.questions).toEqual([]);
    expect(r.stderr).toContain("templates/shout.eta:5: ");
    expect(r.stderr).toContain(
      "for 2 of 5 attendees due it in ev: linus@example.com, kat@example.com",
    );
    expect(await b.snapshot()).toEqual(before);
    expect(existsSync(b.path("outbox")) ? readdirSync(b.path("outbox")) : []).toEqual([]);
  });

  it("counts only those due: after the others got it, a rerun still names the two", async () => {
    const b = bench();
    await mixedColumns(b);
    const dry = await b.run(["send", "--template", "shout", "--dry-run"]);
    expect(dry.code).toBe(2);
    expect(dry.stderr).toContain("linus@example.com");
  });

  it("resend and reset-code --send check their attendee before anything changes", async () => {
    const b = bench();
    await mixedColumns(b);
    await b.run(["template", "link", "resend", "shout"]);
    await b.run(["template", "link", "reset", "shout"]);
    const before = await b.snapshot();
    const code = await b.codeOf("linus@example.com");
    const resend = await b.run(["resend", "linus@example.com"]);
    expect(resend.code).toBe(2);
    expect(resend.stderr).toContain("for 1 of 1 attendees to resend to: linus@example.com");
    const reset = await b.run(["reset-code", "linus@example.com", "--generate", "--send", "--yes"]);
    expect(reset.code).toBe(2);
    expect(reset.stderr).toContain("templates/shout.eta:5: ");
    const all = await b.run(["reset-code", "--all", "--generate", "--send", "--yes"]);
    expect(all.code).toBe(2);
    expect(all.stderr).toContain("for 2 of 5 attendees of ev");
    expect(await b.snapshot()).toEqual(before);
    expect(await b.codeOf("linus@example.com")).toBe(code);
    // Ada has the column: her resend goes.
    expect((await b.run(["resend", "ada@example.com"])).code).toBe(0);
  });
});

describe("a message the runner still cannot make", () => {
  it("names the attendee to preview, not a literal EMAIL", async () => {
    const b = bench();
    await mixedColumns(b);
    const ws = await b.open();
    try {
      const event = await requireEvent(ws, "ev");
      const linus = (await all(eachAttendee(ws, event))).filter(
        (a) => a.email === "linus@example.com",
      );
      const summary = await runDeliveries(ws, {
        event,
        template: loadTemplate(b.templatesDir, "shout"),
        transport: {
          kind: "outbox",
          description: "memory",
          send: () => Promise.resolve({ messageId: "<1@test>", response: "250 ok" }),
          verify: () => Promise.resolve(),
          close: () => undefined,
        },
        from: "team@example.com",
        purpose: "send",
        attendeeIds: linus.map((a) => a.id),
        onlyDue: true,
        retry: { attempts: 1, baseDelayMs: 1 },
        concurrency: 1,
        now: () => b.now,
        signal: new AbortController().signal,
      });
      expect(summary.failed).toEqual([
        {
          email: "linus@example.com",
          response: expect.stringContaining(
            "at templates/shout.eta:5; see why with: evcred preview shout --to linus@example.com",
          ) as string,
        },
      ]);
    } finally {
      void ws.close();
    }
  });
});

describe("preview for a sample names a real attendee to try", () => {
  it("suggests --to with one of the event's emails", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    const r = await b.run(["preview", "credentials"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("evcred preview credentials --to ada@example.com");
    expect(r.stderr).not.toContain("--to EMAIL");
  });
});
