import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();

const NO_CODE = "---\nsubject: Hello <%= it.first_name %>\n---\nYour login: <%= it.user_email %>\n";

async function withEvent(b: TestBench): Promise<void> {
  b.file("attendees.csv", SAMPLE_CSV);
  const r = await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"]);
  expect(r.code).toBe(0);
}

function files(b: TestBench): string[] {
  return existsSync(b.path("templates")) ? readdirSync(b.path("templates")).sort() : [];
}

interface Listed {
  event: string | null;
  templates: {
    name: string;
    origin: string;
    overrides: boolean;
    html: boolean;
    linked: string[];
  }[];
}

describe("evcred template list", () => {
  it("lists the built-ins with no event", async () => {
    const b = bench();
    const r = await b.run(["template", "list", "--json"]);
    expect(r.code).toBe(0);
    const listed = r.json<Listed>();
    expect(listed.event).toBeNull();
    expect(listed.templates.map((t) => [t.name, t.origin, t.html])).toEqual([
      ["code-reset", "builtin", true],
      ["credentials", "builtin", true],
      ["reminder", "builtin", true],
    ]);
  });

  it("shows workspace templates, overrides and the links of the event in use", async () => {
    const b = bench();
    await withEvent(b);
    b.file(
      "templates/credentials.eta",
      "---\nsubject: S\n---\n<%= it.user_email %> <%= it.user_pass %>\n",
    );
    expect((await b.run(["template", "link", "resend", "credentials"])).code).toBe(0);
    expect((await b.run(["template", "link", "reset", "credentials"])).code).toBe(0);
    const r = await b.run(["template", "list", "--json"]);
    const listed = r.json<Listed>();
    expect(listed.event).toBe("summit-2026");
    expect(listed.templates.find((t) => t.name === "credentials")).toMatchObject({
      origin: "workspace",
      overrides: true,
      html: false,
      linked: ["resend", "reset"],
    });
    const human = await b.run(["template", "list"]);
    expect(human.stdout).toMatch(
      /credentials\s+workspace \(overrides built-in\)\s+no\s+resend, reset/,
    );
  });
});

describe("evcred template new", () => {
  it("copies a built-in (text and HTML) into ./templates", async () => {
    const b = bench();
    const r = await b.run(["template", "new", "welcome", "--from", "reminder", "--json"]);
    expect(r.code).toBe(0);
    expect(files(b)).toEqual(["welcome.eta", "welcome.html.eta"]);
    expect(b.read("templates/welcome.eta")).toBe(
      readFileSync(new URL("../../templates/en/reminder.eta", import.meta.url), "utf8"),
    );
    expect((await b.run(["template", "check", "welcome"])).code).toBe(0);
  });

  it("copies the built-in of the same name by default, to override it", async () => {
    const b = bench();
    expect((await b.run(["template", "new", "code-reset"])).code).toBe(0);
    expect(files(b)).toEqual(["code-reset.eta", "code-reset.html.eta"]);
    const listed = (await b.run(["template", "list", "--json"])).json<Listed>();
    expect(listed.templates.find((t) => t.name === "code-reset")?.overrides).toBe(true);
  });

  it("refuses to overwrite, exit 2, nothing changed", async () => {
    const b = bench();
    await b.run(["init"]);
    b.file("templates/mine.html.eta", "<p>mine</p>\n");
    const before = await b.snapshot();
    const r = await b.run(["template", "new", "mine"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("templates/mine.html.eta already exists");
    expect(r.stderr).toContain(
      "hint: edit it, or pick another name: evcred template new OTHER --from credentials",
    );
    expect(files(b)).toEqual(["mine.html.eta"]);
    expect(b.read("templates/mine.html.eta")).toBe("<p>mine</p>\n");
    expect(await b.snapshot()).toEqual(before);
  });

  it("refuses a bad name or an unknown --from, exit 2", async () => {
    const b = bench();
    const bad = await b.run(["template", "new", "../evil"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"../evil" is not a template name');
    const from = await b.run(["template", "new", "x", "--from", "remindr"]);
    expect(from.code).toBe(2);
    expect(from.stderr).toContain('no template "remindr" (did you mean reminder?)');
    expect(files(b)).toEqual([]);
  });
});

describe("evcred template check", () => {
  it("passes the built-ins against the event's attendees' fields", async () => {
    const b = bench();
    await withEvent(b);
    for (const name of ["credentials", "reminder", "code-reset"]) {
      const r = await b.run(["template", "check", name, "--json"]);
      expect(r.code).toBe(0);
      expect(r.json()).toMatchObject({ template: name, ok: true, html: true });
    }
  });

  it("refuses a template without user_pass, exit 2, naming it", async () => {
    const b = bench();
    await withEvent(b);
    b.file("templates/nocode.eta", NO_CODE);
    const before = await b.snapshot();
    const r = await b.run(["template", "check", "nocode"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("it.user_pass is missing from the text body (templates/nocode.eta)");
    expect(await b.snapshot()).toEqual(before);
  });

  it("reports an unknown variable with file and line, also as JSON", async () => {
    const b = bench();
    b.file(
      "templates/typo.eta",
      "---\nsubject: Hi\n---\n<%= it.user_email %>\n\n\nCode: <%= it.user_passs %>\n",
    );
    const r = await b.run(["template", "check", "typo", "--json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "error: templates/typo.eta:7: unknown variable it.user_passs (did you mean it.user_pass?)",
    );
    expect(r.json<{ error: { exitCode: number } }>().error.exitCode).toBe(2);
  });

  it("reports a syntax error with file and line", async () => {
    const b = bench();
    b.file(
      "templates/broken.eta",
      "---\nsubject: S\n---\n<%= it.user_email %> <%= it.user_pass %>\n<%= it.first_name + %>\n",
    );
    const r = await b.run(["template", "check", "broken"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: templates\/broken\.eta:5: /);
  });

  it("reports an error that only a sample without a login link triggers", async () => {
    const b = bench();
    b.file(
      "templates/fragile.eta",
      "---\nsubject: S\n---\n<%= it.user_email %> <%= it.user_pass %>\n<%= it.event.login_url.toUpperCase() %>\n",
    );
    const r = await b.run(["template", "check", "fragile"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /templates\/fragile\.eta:5: .*\(rendering for an event with no start time and no login link\)/,
    );
  });

  it("an unknown template: exit 2 and the known ones", async () => {
    const b = bench();
    const r = await b.run(["template", "check", "nope"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no template "nope"');
    expect(r.stderr).toContain("known templates: code-reset, credentials, reminder");
  });
});

interface AuditRow {
  action: string;
  actor: string;
  summary: string;
}

describe("evcred template link / unlink", () => {
  it("links, relinks and unlinks with audit entries", async () => {
    const b = bench();
    await withEvent(b);
    const link = await b.run(["template", "link", "resend", "credentials", "--json"]);
    expect(link.code).toBe(0);
    expect(link.json()).toEqual({
      event: "summit-2026",
      action: "resend",
      template: "credentials",
      previous: null,
      changed: true,
    });
    const same = await b.run(["template", "link", "resend", "credentials", "--json"]);
    expect(same.json()).toMatchObject({ changed: false });
    const relink = await b.run(["template", "link", "resend", "reminder"]);
    expect(relink.stderr).toContain("resend in summit-2026 now uses reminder (was credentials)");
    expect((await b.snapshot()).action_links).toEqual([
      expect.objectContaining({ action: "resend", template: "reminder" }),
    ]);
    const unlink = await b.run(["template", "unlink", "resend", "--json"]);
    expect(unlink.code).toBe(0);
    expect(unlink.json()).toEqual({ event: "summit-2026", action: "resend", template: "reminder" });
    const snap = await b.snapshot();
    expect(snap.action_links).toEqual([]);
    const audit = (snap.audit_log as AuditRow[]).filter((a) => a.action.startsWith("template."));
    expect(audit.map((a) => [a.action, a.actor, a.summary])).toEqual([
      ["template.link", "tester", "resend → credentials"],
      ["template.link", "tester", "resend: credentials → reminder"],
      ["template.unlink", "tester", "resend (was reminder)"],
    ]);
  });

  it("refuses a template without user_pass, exit 2, nothing changed", async () => {
    const b = bench();
    await withEvent(b);
    b.file("templates/nocode.eta", NO_CODE);
    const before = await b.snapshot();
    const r = await b.run(["template", "link", "resend", "nocode"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("user_pass");
    expect(await b.snapshot()).toEqual(before);
  });

  it("refuses an unknown action, an unknown template and an empty unlink, nothing changed", async () => {
    const b = bench();
    await withEvent(b);
    const before = await b.snapshot();
    const action = await b.run(["template", "link", "welcome", "credentials"]);
    expect(action.code).toBe(2);
    expect(action.stderr).toContain('unknown action "welcome"');
    expect(action.stderr).toContain("one of: resend, reset");
    const unknown = await b.run(["template", "link", "reset", "code-rest"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no template "code-rest" (did you mean code-reset?)');
    const empty = await b.run(["template", "unlink", "reset"]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("nothing is linked to reset for summit-2026");
    expect(await b.snapshot()).toEqual(before);
  });

  it("links per event", async () => {
    const b = bench();
    await withEvent(b);
    expect((await b.run(["event", "create", "Other Fest", "--slug", "other"])).code).toBe(0);
    expect(
      (await b.run(["template", "link", "resend", "credentials", "--event", "other"])).code,
    ).toBe(0);
    const main = (
      await b.run(["template", "list", "--event", "summit-2026", "--json"])
    ).json<Listed>();
    expect(main.templates.every((t) => t.linked.length === 0)).toBe(true);
    const other = (await b.run(["template", "list", "--event", "other", "--json"])).json<Listed>();
    expect(other.templates.find((t) => t.name === "credentials")?.linked).toEqual(["resend"]);
  });
});
