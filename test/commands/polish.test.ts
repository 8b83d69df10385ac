import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { slugify } from "../../src/domain/events.js";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();
let smtp: TestSmtp | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

const FIVE = `${SAMPLE_CSV}katherine.johnson@nasa.example.gov,Katherine,Johnson,National Aeronautics and Space Administration
linus@example.com,Linus,Torvalds,
`;

async function imported(b: TestBench, csv = FIVE): Promise<void> {
  b.file("a.csv", csv);
  const r = await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
  expect(r.code, r.stderr).toBe(0);
}

describe("attendees list --limit", () => {
  it("says how many of how many", async () => {
    const b = bench();
    await imported(b);
    const r = await b.run(["attendees", "list", "--limit", "3"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(4);
    expect(r.stderr).toContain("3 of 5 attendees in ev (--limit 3)");
    const json = await b.run(["attendees", "list", "--limit", "3", "--json"]);
    expect(json.json()).toMatchObject({ total: 5 });
    expect((await b.run(["attendees", "list", "--limit", "9"])).stderr).toContain(
      "5 attendees in ev",
    );
    const searched = await b.run(["attendees", "list", "--search", "example.com", "--limit", "2"]);
    expect(searched.stderr).toContain("2 of 4 attendees in ev");
  });
});

describe("tables on a terminal", () => {
  it("fit its width, cutting with … rather than wrapping", async () => {
    const b = bench();
    await imported(b);
    const r = await b.run(["attendees", "list"], { tty: true, columns: 44 });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(6);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(44);
    expect(r.stdout).toContain("…");
    const wide = await b.run(["attendees", "list"], { tty: true, columns: 200 });
    expect(wide.stdout).toContain("katherine.johnson@nasa.example.gov");
  });
});

describe("attendees show with multi-line fields", () => {
  it("keeps each field on its line, the line breaks shown as ⏎", async () => {
    const b = bench();
    await imported(
      b,
      'email,first_name,notes,badge\nada@example.com,Ada,"needs a ramp\nand a quiet room",VIP\n',
    );
    const r = await b.run(["attendees", "show", "ada@example.com"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines).toContain("notes        needs a ramp⏎and a quiet room");
    expect(lines).toContain("badge        VIP");
    const json = await b.run(["attendees", "show", "ada@example.com", "--json"]);
    expect(json.json<{ fields: Record<string, string> }>().fields.notes).toBe(
      "needs a ramp\nand a quiet room",
    );
  });
});

describe("attendees show with a long field name", () => {
  it("lines every value up in one column", async () => {
    const b = bench();
    await imported(b, "email,first_name,Teléfono Móvil Personal\nada@example.com,Ada,+34 600\n");
    const r = await b.run(["attendees", "show", "ada@example.com"]);
    expect(r.code, r.stderr).toBe(0);
    const facts = r.stdout.split("\n\n")[0]?.split("\n") ?? [];
    expect(facts).toContain("telefono_movil_personal +34 600");
    expect(facts).toContain(`email${" ".repeat(19)}ada@example.com`);
    expect(new Set(facts.map((line) => /^\S+ +/.exec(line)?.[0].length))).toEqual(new Set([24]));
  });
});

describe("help", () => {
  it("lists --debug", async () => {
    const b = bench();
    const r = await b.run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--debug +show the stack of an unexpected error/);
  });

  it("template new names the folder it writes to, and writes there", async () => {
    const b = bench();
    const help = await b.run(["template", "new", "--help"]);
    expect(help.stdout).toContain("templates/ folder beside the workspace file");
    b.file("elsewhere/keep", "");
    const r = await b.run(["--db", "elsewhere/evcred.db", "template", "new", "welcome"]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(b.path("elsewhere/templates/welcome.eta"))).toBe(true);
    expect(existsSync(b.path("templates"))).toBe(false);
  });
});

describe("send --test-to", () => {
  it("says TEST in the subject", async () => {
    const b = bench();
    await imported(b);
    await b.run(["event", "update", "--from", "team@example.com"]);
    smtp = await startSmtp();
    b.env.EVCRED_SMTP_URL = smtp.url;
    const r = await b.run(["send", "--template", "credentials", "--test-to", "me@example.com"]);
    expect(r.code, r.stderr).toBe(0);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]?.parsed.subject).toMatch(/^\[TEST\] Your access code/);
  });
});

describe("event slugs from names without Latin letters", () => {
  it("are distinct, valid and never empty", async () => {
    const b = bench();
    for (const name of ["東京サミット", "大阪サミット", "Москва 2026", "Αθήνα 2026", "!!!"]) {
      const r = await b.run(["event", "create", name]);
      expect(r.code, r.stderr).toBe(0);
    }
    const list = await b.run(["event", "list", "--json"]);
    const slugs = list.json<{ slug: string }[]>().map((e) => e.slug);
    expect(new Set(slugs).size).toBe(5);
    for (const slug of slugs) expect(slug).toMatch(/^[a-z0-9][a-z0-9-]{0,62}$/);
    expect(slugs).toContain("moskva-2026");
    expect(slugs).toContain("athina-2026");
    // The same name again is the same slug: refused, not a second event under it.
    const again = await b.run(["event", "create", "東京サミット"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(
      `an event with slug "${slugify("東京サミット")}" already exists`,
    );
  });

  it("transliterate Cyrillic and Greek, hash what cannot be", () => {
    expect(slugify("Санкт-Петербург 2026")).toBe("sankt-peterburg-2026");
    expect(slugify("Ёлка Йога")).toBe("elka-yoga");
    expect(slugify("Tech Summit 2026!")).toBe("tech-summit-2026");
    expect(slugify("Café Ünïcode")).toBe("cafe-unicode");
    expect(slugify("東京サミット")).toMatch(/^event-[0-9a-f]{8}$/);
    expect(slugify("東京サミット")).toBe(slugify("東京サミット"));
    expect(slugify("Summit 東京")).toMatch(/^summit-[0-9a-f]{8}$/);
    expect(slugify("Summit 東京")).not.toBe(slugify("Summit 大阪"));
    expect(slugify("東".repeat(100)).length).toBeLessThanOrEqual(63);
    expect(slugify("x".repeat(100))).toHaveLength(63);
  });
});

describe("stats after a removal", () => {
  it("shows no last login of a removed attendee", async () => {
    const b = bench();
    await imported(b);
    expect(
      (await b.run(["verify", "ada@example.com", await b.codeOf("ada@example.com")])).code,
    ).toBe(0);
    const adaAt = b.now.toISOString();
    b.advance(60_000);
    expect(
      (await b.run(["verify", "grace@example.com", await b.codeOf("grace@example.com")])).code,
    ).toBe(0);
    const before = await b.run(["stats", "--json"]);
    expect(before.json()).toMatchObject({ lastLogin: b.now.toISOString(), loggedIn: 2 });
    expect((await b.run(["attendees", "remove", "grace@example.com", "--yes"])).code).toBe(0);
    const after = await b.run(["stats", "--json"]);
    expect(after.json()).toMatchObject({ lastLogin: adaAt, loggedIn: 1 });
    expect((await b.run(["attendees", "remove", "ada@example.com", "--yes"])).code).toBe(0);
    expect((await b.run(["stats", "--json"])).json()).toMatchObject({ lastLogin: null });
  });
});
