import { describe, expect, it } from "vitest";
import {
  fieldKey,
  mapHeader,
  MAX_FIELD_LENGTH,
  planImport,
  validateRecord,
  type AttendeeInput,
  type ColumnMap,
  type ExistingAttendee,
} from "../../src/domain/import-plan.js";

function columns(header: string[]): ColumnMap {
  const result = mapHeader(header);
  if (!result.ok) throw new Error(result.reason);
  return result.columns;
}

describe("mapHeader", () => {
  it.each(["email", "e-mail", "Email Address", "mail", "EMAIL", " E_Mail ", "email_address"])(
    "finds the email column in %j",
    (text) => {
      expect(columns(["x", text, "y"]).email).toBe(1);
    },
  );

  it.each(["first_name", "First Name", "firstname", "given name", "Given-Name"])(
    "finds the first name in %j",
    (text) => {
      expect(columns(["email", text]).first).toBe(1);
    },
  );

  it.each(["last_name", "Last Name", "surname", "family name", "Family_Name"])(
    "finds the last name in %j",
    (text) => {
      expect(columns(["email", "first", text]).last).toBe(2);
    },
  );

  it("takes a single name column when there are no first/last columns", () => {
    const map = columns(["Name", "Email"]);
    expect(map).toMatchObject({ email: 1, name: 0, first: undefined, last: undefined });
    expect(map.fields).toEqual([]);
  });

  it("keeps a name column as a custom field when first/last columns exist", () => {
    const map = columns(["email", "first_name", "last_name", "name"]);
    expect(map.name).toBeUndefined();
    expect(map.fields).toEqual([["name", 3]]);
  });

  it("turns every other column into a custom field with a template-friendly key", () => {
    const map = columns(["Email", "Company Name", "Ticket-Type", "Café", "", "Company Name"]);
    expect(map.fields).toEqual([
      ["company_name", 1],
      ["ticket_type", 2],
      ["cafe", 3],
      ["column_5", 4],
      ["company_name_2", 5],
    ]);
  });

  it("names 40,000 columns that are all called x in linear time: x, x_2 … x_40000", () => {
    // Counting up from x_2 for each column was quadratic: 227 s for this header.
    const map = columns(["email", ...Array.from({ length: 40_000 }, () => "x"), "x_3"]);
    expect(map.fields).toHaveLength(40_001);
    expect(map.fields[0]).toEqual(["x", 1]);
    expect(map.fields[1]).toEqual(["x_2", 2]);
    expect(map.fields[39_999]).toEqual(["x_40000", 40_000]);
    // A column whose own name was handed out as a suffix still gets a name of its own.
    expect(map.fields[40_000]).toEqual(["x_3_2", 40_001]);
    expect(new Set(map.fields.map(([key]) => key)).size).toBe(40_001);
  });

  it("uses the first email column; a second one is a custom field", () => {
    const map = columns(["email", "mail"]);
    expect(map.email).toBe(0);
    expect(map.fields).toEqual([["mail", 1]]);
  });

  it("explains a header without an email column, listing the header", () => {
    const result = mapHeader(["Name", " Company ", "Phone"]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain("no email column");
    expect(result.reason).toContain('"e-mail"');
    expect(result.reason).toContain('"Name", "Company", "Phone"');
  });

  it("fieldKey makes keys usable as it.fields.KEY", () => {
    expect(fieldKey("  T-Shirt Size (EU) ")).toBe("t_shirt_size_eu");
    expect(fieldKey("Ünïcödé")).toBe("unicode");
    expect(fieldKey("***")).toBe("");
  });
});

describe("validateRecord", () => {
  const map = columns(["email", "first_name", "last_name", "company"]);

  it("trims and lower-cases the email, trims the names, keeps custom fields", () => {
    const result = validateRecord([" Ada@Example.COM ", " Ada ", "Lovelace ", "Engines"], map, 7);
    expect(result).toEqual({
      ok: true,
      attendee: {
        line: 7,
        email: "ada@example.com",
        firstName: "Ada",
        lastName: "Lovelace",
        fields: { company: "Engines" },
      },
    });
  });

  it("fills missing trailing columns with empty strings", () => {
    const result = validateRecord(["ada@example.com"], map, 2);
    expect(result).toMatchObject({
      ok: true,
      attendee: { firstName: "", lastName: "", fields: { company: "" } },
    });
  });

  it.each([[""], ["   "]])("rejects a row with no email (%j)", (email) => {
    expect(validateRecord([email, "Ada"], map, 3)).toEqual({ ok: false, reason: "no email" });
  });

  it.each([
    "ada",
    "ada@",
    "@example.com",
    "ada@example",
    "ada example@x.com",
    "a@b..com",
    "<a@b.com>",
    // Format characters: an address that reads as another (U+202E), or looks like one (U+200B).
    "ev\u202eil@example.com",
    "ada\u200b@example.com",
  ])("rejects the invalid email %j, quoting it", (email) => {
    const result = validateRecord([email], map, 3);
    expect(result).toEqual({ ok: false, reason: `invalid email "${email}"` });
  });

  it("accepts plus tags, subdomains and Unicode domains", () => {
    for (const email of ["ada+summit@mail.example.co.uk", "zoë@exämple.de"]) {
      expect(validateRecord([email], map, 2).ok).toBe(true);
    }
  });

  it("rejects an over-long field, naming its column and size", () => {
    const long = "x".repeat(MAX_FIELD_LENGTH + 1);
    expect(validateRecord(["ada@example.com", "Ada", "", long], map, 4)).toEqual({
      ok: false,
      reason: `column 4 has ${MAX_FIELD_LENGTH + 1} characters (at most ${MAX_FIELD_LENGTH})`,
    });
    expect(validateRecord(["ada@example.com", "x".repeat(MAX_FIELD_LENGTH)], map, 4).ok).toBe(true);
  });

  it.each(["\u0000", "\u0007", "\u001b[31m", "\u007f"])(
    "rejects a control character (%j)",
    (ch) => {
      expect(validateRecord(["ada@example.com", `Ada${ch}`], map, 5)).toEqual({
        ok: false,
        reason: "column 2 holds a control character",
      });
    },
  );

  it("allows tabs and the newlines of a quoted multi-line field", () => {
    expect(
      validateRecord(["ada@example.com", "Ada", "", "line 1\nline 2\r\n\tend"], map, 2).ok,
    ).toBe(true);
  });

  it("splits a single name column on its first space", () => {
    const nameMap = columns(["email", "name"]);
    const attendee = (name: string) => {
      const result = validateRecord(["a@example.com", name], nameMap, 2);
      if (!result.ok) throw new Error(result.reason);
      return [result.attendee.firstName, result.attendee.lastName];
    };
    expect(attendee("Ada Lovelace")).toEqual(["Ada", "Lovelace"]);
    expect(attendee("  Ada   King  Lovelace ")).toEqual(["Ada", "King Lovelace"]);
    expect(attendee("Cher")).toEqual(["Cher", ""]);
    expect(attendee("")).toEqual(["", ""]);
  });
});

describe("planImport", () => {
  const input = (email: string, over: Partial<AttendeeInput> = {}): AttendeeInput => ({
    line: 2,
    email,
    firstName: "First",
    lastName: "Last",
    fields: {},
    ...over,
  });
  const known = (id: number, over: Partial<ExistingAttendee> = {}): ExistingAttendee => ({
    id,
    firstName: "First",
    lastName: "Last",
    fields: "{}",
    ...over,
  });

  it("inserts attendees the event does not have", () => {
    const plan = planImport([input("a@x.com"), input("b@x.com")], new Map());
    expect(plan.insert.map((a) => a.email)).toEqual(["a@x.com", "b@x.com"]);
    expect(plan.update).toEqual([]);
    expect(plan.unchanged).toBe(0);
  });

  it("counts known attendees with nothing new as unchanged", () => {
    const existing = new Map([["a@x.com", known(1, { fields: '{"company":"X"}' })]]);
    const plan = planImport([input("a@x.com", { fields: { company: "X" } })], existing);
    expect(plan).toEqual({ insert: [], update: [], unchanged: 1 });
  });

  it("updates changed names of known attendees, by id", () => {
    const existing = new Map([["a@x.com", known(41)]]);
    const plan = planImport([input("a@x.com", { lastName: "King" })], existing);
    expect(plan.insert).toEqual([]);
    expect(plan.update).toEqual([
      { id: 41, attendee: expect.objectContaining({ lastName: "King" }) as unknown },
    ]);
  });

  it("merges custom fields: new columns added, changed ones replaced, missing ones kept", () => {
    const existing = new Map([
      ["a@x.com", known(7, { fields: JSON.stringify({ company: "Old", ticket: "vip" }) })],
    ]);
    const plan = planImport(
      [input("a@x.com", { fields: { company: "New", diet: "vegan" } })],
      existing,
    );
    expect(plan.update).toHaveLength(1);
    expect(plan.update[0]?.attendee.fields).toEqual({
      company: "New",
      ticket: "vip",
      diet: "vegan",
    });
  });

  it("counts a file with only some of the known columns as unchanged when they agree", () => {
    const existing = new Map([
      ["a@x.com", known(7, { fields: JSON.stringify({ company: "Same", ticket: "vip" }) })],
    ]);
    const plan = planImport([input("a@x.com", { fields: { company: "Same" } })], existing);
    expect(plan.unchanged).toBe(1);
  });

  it("sorts a mixed batch", () => {
    const existing = new Map([
      ["same@x.com", known(1)],
      ["changed@x.com", known(2)],
    ]);
    const plan = planImport(
      [input("new@x.com"), input("same@x.com"), input("changed@x.com", { firstName: "Other" })],
      existing,
    );
    expect(plan.insert.map((a) => a.email)).toEqual(["new@x.com"]);
    expect(plan.update.map((u) => u.id)).toEqual([2]);
    expect(plan.unchanged).toBe(1);
  });
});
