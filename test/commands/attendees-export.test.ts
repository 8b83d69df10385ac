import { statSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";
import { benchPerTest, SAMPLE_CSV, type TestBench, TEST_DIALECT } from "../helpers/workspace.js";

const bench = benchPerTest();
let smtp: TestSmtp | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

const EMAILS = ["ada@example.com", "grace@example.com", "alan@example.com"];
const HEADER =
  "email,first_name,last_name,company,delivery_status,last_delivery_at,delivery_error,logged_in,last_login_at,locked_until";

async function imported(b: TestBench, csv = SAMPLE_CSV): Promise<void> {
  b.file("a.csv", csv);
  const r = await b.run(["import", "a.csv", "--event", "summit", "--yes"]);
  expect(r.code, r.stderr).toBe(0);
  const from = await b.run(["event", "update", "--from", "Summit Team <team@summit.example>"]);
  expect(from.code, from.stderr).toBe(0);
}

/** ada's credentials sent at 09:00, grace's refused (550); alan logs in at 09:10 and ada is locked. */
async function eventDay(b: TestBench): Promise<void> {
  await imported(b);
  smtp = await startSmtp({ rcpt: (to) => (to === "grace@example.com" ? 550 : undefined) });
  b.env.EVCRED_SMTP_URL = smtp.url;
  const sent = await b.run(["send", "--template", "credentials", "--yes"]);
  expect(sent.code, sent.stderr).toBe(3);
  b.advance(10 * 60_000);
  expect(
    (await b.run(["verify", "alan@example.com", await b.codeOf("alan@example.com")])).code,
  ).toBe(0);
  for (let i = 0; i < 5; i++) await b.run(["verify", "ada@example.com", "WRONGCODE2"]);
}

describe("evcred attendees export", () => {
  it("writes CSV to stdout: every attendee with delivery, login and lock; never a code", async () => {
    const b = bench();
    await eventDay(b);
    const r = await b.run(["attendees", "export"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(HEADER);
    expect(lines[1]).toBe(
      "ada@example.com,Ada,Lovelace,Analytical Engines,sent,2026-05-04T09:00:00.000Z,,no,,2026-05-04T09:25:00.000Z",
    );
    expect(lines[2]).toMatch(
      /^grace@example\.com,Grace,Hopper,US Navy,failed,2026-05-04T09:00:00\.000Z,550 [^,]*,no,,$/,
    );
    expect(lines[3]).toBe(
      "alan@example.com,Alan,Turing,Bletchley Park,sent,2026-05-04T09:00:00.000Z,,yes,2026-05-04T09:10:00.000Z,",
    );
    expect(lines).toHaveLength(4);
    for (const email of EMAILS) expect(r.stdout).not.toContain(await b.codeOf(email));
  });

  it("--status failed is the bounce list, with the server's reply", async () => {
    const b = bench();
    await eventDay(b);
    const r = await b.run(["attendees", "export", "--status", "failed"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^grace@example\.com,.*,failed,.*,550 /);
    const locked = await b.run(["attendees", "export", "--status", "locked"]);
    expect(locked.stdout.trimEnd().split("\n").slice(1)).toEqual([
      expect.stringMatching(/^ada@example\.com,/),
    ]);
    const none = await b.run(["attendees", "export", "--status", "pending"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      "error: --status: expected one of: unsent, sent, failed, logged-in, locked",
    );
  });

  it("--output FILE writes it 0600 (an existing file too) and nothing on stdout", async () => {
    const b = bench();
    await eventDay(b);
    const file = b.path("bounces.csv");
    writeFileSync(file, "old\n", { mode: 0o644 });
    const r = await b.run(["attendees", "export", "--status", "failed", "--output", "bounces.csv"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      "1 attendee of summit written to bounces.csv (readable by you only)",
    );
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(b.read("bounces.csv").split("\n")[0]).toBe(HEADER);
    expect(b.read("bounces.csv")).toContain("grace@example.com");
    const json = await b.run(["attendees", "export", "--output", "all.csv", "--json"]);
    expect(json.json()).toEqual({
      event: "summit",
      status: null,
      count: 3,
      output: b.path("all.csv"),
    });
  });

  it("--json without --output gives the rows as JSON", async () => {
    const b = bench();
    await imported(b);
    const r = await b.run(["attendees", "export", "--json"]);
    const json = r.json<{ count: number; attendees: Record<string, string>[] }>();
    expect(json.count).toBe(3);
    expect(json.attendees[0]).toEqual({
      email: "ada@example.com",
      first_name: "Ada",
      last_name: "Lovelace",
      company: "Analytical Engines",
      delivery_status: "unsent",
      last_delivery_at: "",
      delivery_error: "",
      logged_in: "no",
      last_login_at: "",
      locked_until: "",
    });
  });

  it("is formula-safe: cells a spreadsheet would run start with '", async () => {
    const b = bench();
    await imported(
      b,
      'email,first_name,last_name,phone,note\nmallory@example.com,"=HYPERLINK(""http://x"")",@SUM(1),+1 555,"-2, or so"\nada@example.com,Ada,Lovelace,,\n',
    );
    const r = await b.run(["attendees", "export"]);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(
      "email,first_name,last_name,phone,note,delivery_status,last_delivery_at,delivery_error,logged_in,last_login_at,locked_until",
    );
    expect(lines[1]).toBe(
      `mallory@example.com,"'=HYPERLINK(""http://x"")",'@SUM(1),'+1 555,"'-2, or so",unsent,,,no,,`,
    );
  });

  it("reads back in as it was: the same names and fields, no status columns, no added '", async () => {
    const b = bench();
    await imported(
      b,
      'email,first_name,last_name,phone,note\nmallory@example.com,"=HYPERLINK(""http://x"")",@SUM(1),+1 555,"-2, or so"\nada@example.com,Ada,Lovelace,,\n',
    );
    const original = (await b.run(["attendees", "list", "--json"])).json();
    expect((await b.run(["attendees", "export", "--output", "all.csv"])).code).toBe(0);
    const again = await b.run(["import", "all.csv", "--event", "copy", "--yes"]);
    expect(again.code, again.stderr).toBe(0);
    const copy = (await b.run(["attendees", "list", "--json", "--event", "copy"])).json();
    const who = (list: unknown) =>
      (
        list as {
          attendees: { email: string; firstName: string; lastName: string; fields: object }[];
        }
      ).attendees.map(({ email, firstName, lastName, fields }) => ({
        email,
        firstName,
        lastName,
        fields,
      }));
    expect(who(copy)).toEqual(who(original));
    expect(who(copy)[0]).toMatchObject({
      firstName: '=HYPERLINK("http://x")',
      fields: { phone: "+1 555", note: "-2, or so" },
    });
  });

  it("names a custom field that shares a column's name field_NAME", async () => {
    const b = bench();
    await imported(b, "email,name,logged_in\nada@example.com,Ada Lovelace,maybe\n");
    const r = await b.run(["attendees", "export"]);
    expect(r.stdout.split("\n")[0]).toBe(
      "email,first_name,last_name,field_logged_in,delivery_status,last_delivery_at,delivery_error,logged_in,last_login_at,locked_until",
    );
    expect(r.stdout.split("\n")[1]).toBe("ada@example.com,Ada,Lovelace,maybe,unsent,,,no,,");
    // Read back in, field_logged_in is the attendee's own logged_in again.
    b.file("back.csv", r.stdout);
    expect((await b.run(["import", "back.csv", "--event", "copy", "--yes"])).code).toBe(0);
    const copy = await b.run(["attendees", "show", "ada@example.com", "--event", "copy", "--json"]);
    expect(copy.json()).toMatchObject({ fields: { logged_in: "maybe" } });
  });

  it.each([
    // The workspace's own file: with SQLite only (a PostgreSQL workspace has none).
    ...(TEST_DIALECT === "sqlite"
      ? [
          [
            ["--output", "evcred.db"],
            "error: --output: evcred.db is the workspace; evcred will not write over it",
          ] as [string[], string],
        ]
      : []),
    [["--output", "master.key"], "error: --output: master.key is the master key"],
    [["--output", "no/such/folder/x.csv"], "no/such/folder/x.csv: the folder /"],
    [["--output", ""], "error: --output: expected a file name"],
  ])("refuses %j (exit 2, nothing changed)", async (argv, message) => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run(["attendees", "export", ...argv]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(await b.snapshot()).toEqual(before);
  });
});
