import { describe, expect, it } from "vitest";
import { codeOwner } from "../../src/vault/vault.js";
import { lookAt } from "../helpers/look.js";
import { benchPerTest, SAMPLE_CSV } from "../helpers/workspace.js";

const bench = benchPerTest();

describe("evcred import", () => {
  it("registers every attendee of a new event after --yes and shows no code", async () => {
    const b = bench();
    b.file("attendees.csv", SAMPLE_CSV);
    const result = await b.run([
      "import",
      "attendees.csv",
      "--event",
      "summit-2026",
      "--yes",
      "--json",
    ]);
    expect(result.stderr).toContain("3 new");
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ event: "summit-2026", new: 3, updated: 0, rejected: [] });
    const code = await b.codeOf("ada@example.com");
    expect(code).toMatch(/^[2-9A-HJKMNP-TV-Z]{10}$/);
    const list = await b.run(["attendees", "list", "--json"]);
    expect(list.json<{ attendees: unknown[] }>().attendees).toHaveLength(3);
    for (const text of b.transcript) expect(text).not.toContain(code);
  });
});

interface AttendeeJson {
  email: string;
  firstName: string;
  lastName: string;
  fields: Record<string, string>;
}

describe("evcred import again", () => {
  it("keeps every code and updates names and fields of known attendees", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    expect((await b.run(["import", "a.csv", "--event", "summit", "--yes"])).code).toBe(0);
    const emails = ["ada@example.com", "grace@example.com", "alan@example.com"];
    const before = await Promise.all(emails.map((e) => b.codeOf(e)));
    b.advance(60_000);
    b.file(
      "b.csv",
      [
        "E-Mail,First Name,Surname,Company,Track",
        "ADA@example.com,Augusta Ada,King,Analytical Engines,math",
        "grace@example.com,Grace,Hopper,US Navy,",
        "alan@example.com,Alan,Turing,Bletchley Park,",
        "katherine@example.com,Katherine,Johnson,NASA,space",
      ].join("\r\n"),
    );
    const again = await b.run(["import", "b.csv", "--event", "summit", "--json"]);
    expect(again.code).toBe(0);
    // grace and alan gain an empty `track`: a change of their fields, not of their codes.
    expect(again.json()).toMatchObject({ new: 1, updated: 3, unchanged: 0 });
    expect(await Promise.all(emails.map((e) => b.codeOf(e)))).toEqual(before);

    const ada = await b.run(["attendees", "show", "ada@example.com", "--json"]);
    expect(ada.json<AttendeeJson>()).toMatchObject({
      email: "ada@example.com",
      firstName: "Augusta Ada",
      lastName: "King",
      fields: { company: "Analytical Engines", track: "math" },
    });

    const third = await b.run(["import", "b.csv", "--event", "summit", "--json"]);
    expect(third.json()).toMatchObject({ new: 0, updated: 0, unchanged: 4 });
    expect(await Promise.all(emails.map((e) => b.codeOf(e)))).toEqual(before);
  });

  it("leaves the attendees table as it was when the file has nothing new", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "summit", "--yes"]);
    const before = (await b.snapshot()).attendees;
    b.advance(60_000);
    const again = await b.run(["import", "a.csv", "--event", "summit"]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("summit: 0 new, 0 updated, 3 unchanged, 0 rejected");
    expect((await b.snapshot()).attendees).toEqual(before);
  });

  it("keeps custom fields a later file does not have", async () => {
    const b = bench();
    b.file("a.csv", "email,name,Company Name,T-Shirt\nada@example.com,Ada Lovelace,Engines,M\n");
    await b.run(["import", "a.csv", "--event", "summit", "--yes"]);
    b.file("b.csv", "email,name,diet\nada@example.com,Ada Lovelace,vegan\n");
    expect((await b.run(["import", "b.csv", "--event", "summit"])).code).toBe(0);
    const ada = await b.run(["attendees", "show", "ada@example.com", "--json"]);
    expect(ada.json<AttendeeJson>()).toMatchObject({
      firstName: "Ada",
      lastName: "Lovelace",
      fields: { company_name: "Engines", t_shirt: "M", diet: "vegan" },
    });
    const list = await b.run(["attendees", "list", "--json"]);
    expect(list.json<{ attendees: AttendeeJson[] }>().attendees[0]?.fields).toEqual({
      company_name: "Engines",
      t_shirt: "M",
      diet: "vegan",
    });
  });
});

describe("codes", () => {
  it("are unique within an event, and differ across events for the same email", async () => {
    const b = bench();
    const rows = ["email"];
    for (let i = 0; i < 50; i++) rows.push(`person${i}@example.com`);
    b.file("a.csv", rows.join("\n"));
    await b.run(["import", "a.csv", "--event", "summit", "--yes"]);
    await b.run(["import", "a.csv", "--event", "expo", "--yes"]);
    const summit = await Promise.all(rows.slice(1).map((e) => b.codeOf(e, "summit")));
    const expo = await Promise.all(rows.slice(1).map((e) => b.codeOf(e, "expo")));
    expect(new Set(summit).size).toBe(50);
    expect(new Set(expo).size).toBe(50);
    summit.forEach((code, i) => {
      expect(code).not.toBe(expo[i]);
    });
    const [dupes] = await lookAt<{ n: number }>(
      b.db,
      "SELECT count(*) AS n FROM (SELECT event_id, code_fingerprint FROM attendees GROUP BY 1, 2 HAVING count(*) > 1) AS d",
    );
    expect(dupes?.n).toBe(0);
  });

  it("have the event's length: set at creation, changed for new attendees only", async () => {
    const b = bench();
    expect((await b.run(["event", "create", "Long Codes", "--code-length", "14"])).code).toBe(0);
    b.file("a.csv", "email\nada@example.com\n");
    await b.run(["import", "a.csv", "--event", "long-codes"]);
    expect(await b.codeOf("ada@example.com")).toMatch(/^[2-9A-HJKMNP-TV-Z]{14}$/);
    expect((await b.run(["event", "update", "--code-length", "8"])).code).toBe(0);
    b.file("b.csv", "email\nada@example.com\ngrace@example.com\n");
    await b.run(["import", "b.csv"]);
    expect(await b.codeOf("ada@example.com")).toHaveLength(14);
    expect(await b.codeOf("grace@example.com")).toMatch(/^[2-9A-HJKMNP-TV-Z]{8}$/);
  });

  it("are distinct across a 3,000-row file", async () => {
    const b = bench();
    const rows = ["email,first_name,last_name,ticket"];
    for (let i = 0; i < 3_000; i++)
      rows.push(`person${i}@example.com,First${i},Last${i},t${i % 7}`);
    b.file("big.csv", rows.join("\n") + "\n");
    const result = await b.run(["import", "big.csv", "--event", "big", "--yes", "--json"]);
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ new: 3_000, rows: 3_000, rejected: [] });
    const ws = await b.open();
    try {
      const vault = await ws.vault();
      const all = await lookAt<{ id: number; eventId: number; email: string; sealed: Buffer }>(
        b.db,
        'SELECT id, event_id AS "eventId", email, code_sealed AS sealed FROM attendees',
      );
      expect(all).toHaveLength(3_000);
      const codes = new Set(all.map((r) => vault.open(r.sealed, codeOwner(r))));
      expect(codes.size).toBe(3_000);
      for (const code of codes) expect(code).toMatch(/^[2-9A-HJKMNP-TV-Z]{10}$/);
    } finally {
      void ws.close();
    }
  });
});

describe("a file with many rejected rows", () => {
  it("keeps the first rows in memory, counts the rest and streams every one to --rejects", async () => {
    const b = bench();
    const bad = 3_000;
    const lines = ["email,name", "ok1@example.com,One"];
    for (let i = 0; i < bad - 1; i++) lines.push(`bad-${i},Nobody`);
    lines.push('"never closed,Nobody', "late@example.com,Swallowed");
    lines.splice(1_000, 0, "ok2@example.com,Two");
    b.file("big.csv", lines.join("\n") + "\n");
    const r = await b.run([
      "import",
      "big.csv",
      "--event",
      "ev",
      "--yes",
      "--rejects",
      "out.csv",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(3);
    const json = r.json<{ rows: number; rejectedCount: number; rejected: { line: number }[] }>();
    expect(json.rows).toBe(bad + 2); // the last line is read into the unclosed quote
    expect(json.rejectedCount).toBe(bad);
    expect(json.rejected).toHaveLength(1_000);
    expect(json.rejected[0]).toEqual({ line: 3, reason: 'invalid email "bad-0"' });
    // The terminal shows the first 20 and counts the others.
    const human = await b.run(["import", "big.csv", "--event", "ev", "--dry-run"]);
    expect(human.stderr.match(/big\.csv:\d+: /g)).toHaveLength(20);
    expect(human.stderr).toContain(`… and ${bad - 20} more rejected rows`);
    // --rejects has them all, in line order, the unreadable one last.
    const written = b.read("out.csv").trimEnd().split("\n");
    expect(written[0]).toBe("line,reason,email,name");
    expect(written).toHaveLength(bad + 1);
    const numbers = written.slice(1).map((l) => Number(l.split(",")[0]));
    expect(numbers).toEqual([...numbers].sort((x, y) => x - y));
    expect(written[bad]).toMatch(/^3003,a quoted field starts here/);
  });

  it("refuses a record over 16 million characters, naming its line, instead of reading it all", async () => {
    const b = bench();
    await b.run(["init"]);
    const before = await b.snapshot();
    b.file(
      "huge.csv",
      `email,notes\nada@example.com,ok\ngrace@example.com,"${"x".repeat(16_100_000)}"\n`,
    );
    const r = await b.run(["import", "huge.csv", "--event", "ev", "--yes"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "huge.csv:3: a record of more than 16,000,000 characters starts here",
    );
    expect(await b.snapshot()).toEqual(before);
  });
});
