/**
 * EVCRED_TEMPLATES: the workspace's own templates in a folder elsewhere than beside the
 * workspace file, for every command that reads or writes them; and what is refused.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { benchPerTest, SAMPLE_CSV, type TestBench, TEST_DIALECT } from "../helpers/workspace.js";

const bench = benchPerTest();

const OWN =
  "---\nsubject: Shared hello for <%= it.event.name %>\n---\n" +
  "From the shared folder. <%= it.user_email %> <%= it.user_pass %>\n";

async function imported(b: TestBench, env: NodeJS.ProcessEnv = {}): Promise<void> {
  b.file("attendees.csv", SAMPLE_CSV);
  const r = await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"], { env });
  expect(r.code, r.stderr).toBe(0);
}

/** A folder away from the workspace file (b.dir/evcred.db), absolute. */
function elsewhere(b: TestBench): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = b.path("shared/mail-templates");
  return { dir, env: { EVCRED_TEMPLATES: dir } };
}

describe("EVCRED_TEMPLATES names the workspace templates folder", () => {
  it("template new writes there (making the folder), list, check and link read there", async () => {
    const b = bench();
    await imported(b);
    const { dir, env } = elsewhere(b);
    const made = await b.run(["template", "new", "welcome", "--from", "reminder", "--json"], {
      env,
    });
    expect(made.code, made.stderr).toBe(0);
    expect(made.json<{ files: string[] }>().files).toEqual([
      join(dir, "welcome.eta"),
      join(dir, "welcome.html.eta"),
    ]);
    expect(readdirSync(dir).sort()).toEqual(["welcome.eta", "welcome.html.eta"]);
    expect(statSync(dir).mode & 0o022).toBe(0);
    expect(existsSync(b.path("templates"))).toBe(false);

    const listed = await b.run(["template", "list", "--json"], { env });
    const templates = listed.json<{ templates: { name: string; origin: string }[] }>().templates;
    expect(templates.find((t) => t.name === "welcome")).toMatchObject({ origin: "workspace" });
    // Without the variable, the folder beside the workspace is used, as before: no welcome there.
    const plain = await b.run(["template", "list", "--json"]);
    expect(
      plain.json<{ templates: { name: string }[] }>().templates.map((t) => t.name),
    ).not.toContain("welcome");

    expect((await b.run(["template", "check", "welcome"], { env })).code).toBe(0);
    const linked = await b.run(["template", "link", "resend", "welcome"], { env });
    expect(linked.code, linked.stderr).toBe(0);
    const refused = await b.run(["template", "link", "reset", "welcome"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('no template "welcome"');
  });

  it("a relative EVCRED_TEMPLATES is taken from the working directory, not the workspace file", async () => {
    const b = bench();
    b.file("elsewhere/keep", "");
    const r = await b.run(["--db", "elsewhere/evcred.db", "template", "new", "welcome"], {
      env: { EVCRED_TEMPLATES: "team-templates" },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(b.path("team-templates")).sort()).toEqual([
      "welcome.eta",
      "welcome.html.eta",
    ]);
    expect(existsSync(b.path("elsewhere/templates"))).toBe(false);
  });

  it("preview and send use its templates; their errors name the file by its real path", async () => {
    const b = bench();
    const { dir, env } = elsewhere(b);
    await imported(b, env);
    b.file("shared/mail-templates/credentials.eta", OWN);
    const preview = await b.run(["preview", "credentials", "--to", "ada@example.com", "--json"], {
      env,
    });
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.json<{ subject: string; text: string }>()).toMatchObject({
      subject: "Shared hello for Summit 2026",
      text: expect.stringContaining("From the shared folder. ada@example.com") as string,
    });

    const sent = await b.run(["send", "--template", "credentials", "--yes"], { env });
    expect(sent.code, sent.stderr).toBe(0);
    const messages = readdirSync(b.path("outbox"));
    expect(messages).toHaveLength(3);
    for (const file of messages) {
      const eml = readFileSync(join(b.path("outbox"), file), "utf8");
      expect(eml).toContain("Subject: Shared hello for Summit 2026");
      expect(eml).toContain("From the shared folder.");
    }

    b.file("shared/mail-templates/typo.eta", "---\nsubject: Hi\n---\n<%= it.user_passs %>\n");
    const typo = await b.run(["template", "check", "typo"], { env });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(`error: ${join(dir, "typo.eta")}:4: unknown variable`);
    const exists = await b.run(["template", "new", "credentials"], { env });
    expect(exists.code).toBe(2);
    expect(exists.stderr).toContain(`${join(dir, "credentials.eta")} already exists`);
    const html = await b.run(
      ["preview", "credentials", "--to", "ada@example.com", "--html", "out.html"],
      { env },
    );
    expect(html.code).toBe(2);
    expect(html.stderr).toContain(`add ${join(dir, "credentials.html.eta")}`);
    expect(existsSync(b.path("out.html"))).toBe(false);
  });

  it("refuses its folder or a file in it that group or others can write, naming the folder", async () => {
    const b = bench();
    const { dir, env } = elsewhere(b);
    await imported(b, env);
    b.file("shared/mail-templates/credentials.eta", OWN);
    chmodSync(dir, 0o775);
    const loose = await b.run(["send", "--template", "credentials", "--yes"], { env });
    expect(loose.code).toBe(2);
    expect(loose.stderr).toContain(`${dir}/: the templates folder is writable by its group`);
    chmodSync(dir, 0o755);
    chmodSync(join(dir, "credentials.eta"), 0o646);
    const file = await b.run(["template", "check", "credentials"], { env });
    expect(file.code).toBe(2);
    expect(file.stderr).toContain(`${join(dir, "credentials.eta")}: this template is writable`);
    expect(existsSync(b.path("outbox"))).toBe(false);
  });

  it("doctor says which templates folder is in use", async () => {
    const b = bench();
    const { dir, env } = elsewhere(b);
    await imported(b);
    type Doctor = { checks: { name: string; ok: boolean; detail: string }[] };
    const check = (r: { json<T>(): T }) =>
      r.json<Doctor>().checks.find((c) => c.name === "templates folder");
    const beside = await b.run(["doctor", "--json"]);
    expect(check(beside)).toEqual({
      name: "templates folder",
      ok: true,
      // Beside a SQLite file; with PostgreSQL, ./templates.
      detail: `${b.path("templates")} (${TEST_DIALECT === "postgres" ? "in the working directory" : "beside the workspace"}; not made yet: evcred template new NAME makes it)`,
    });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    b.file("shared/mail-templates/credentials.eta", OWN);
    const configured = await b.run(["doctor", "--json"], { env });
    expect(check(configured)).toEqual({
      name: "templates folder",
      ok: true,
      detail: `${dir} (EVCRED_TEMPLATES, mode 0700)`,
    });
    expect(
      configured.json<Doctor>().checks.find((c) => c.name === "template credentials"),
    ).toMatchObject({ ok: true, detail: "workspace, carries the email and the code" });
  });
});

describe("EVCRED_TEMPLATES: bad input", () => {
  it("a folder that does not exist: exit 2 naming EVCRED_TEMPLATES, nothing sent or written", async () => {
    const b = bench();
    await imported(b);
    const missing = b.path("no-such-folder");
    const env = { EVCRED_TEMPLATES: missing };
    const before = await b.snapshot();
    for (const argv of [
      ["template", "list"],
      ["template", "check", "credentials"],
      ["template", "link", "resend", "credentials"],
      ["preview", "credentials", "--to", "ada@example.com"],
      ["send", "--template", "credentials", "--yes"],
    ]) {
      const r = await b.run(argv, { env });
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr, argv.join(" ")).toContain(
        `error: EVCRED_TEMPLATES names ${missing}, which does not exist`,
      );
    }
    expect(await b.snapshot()).toEqual(before);
    expect(existsSync(missing)).toBe(false);
    expect(existsSync(b.path("outbox"))).toBe(false);
    const doctor = await b.run(["doctor", "--json"], { env });
    expect(doctor.code).toBe(1);
    expect(
      doctor
        .json<{ checks: { name: string; ok: boolean; detail: string }[] }>()
        .checks.find((c) => c.name === "templates folder"),
    ).toMatchObject({
      ok: false,
      detail: `EVCRED_TEMPLATES names ${missing}, which does not exist`,
    });
  });

  it("a file, not a folder: exit 2 naming EVCRED_TEMPLATES, for template new too", async () => {
    const b = bench();
    await imported(b);
    const file = b.file("notes.txt", "not templates\n");
    const env = { EVCRED_TEMPLATES: file };
    for (const argv of [
      ["template", "new", "welcome"],
      ["template", "list"],
      ["send", "--template", "credentials", "--yes"],
    ]) {
      const r = await b.run(argv, { env });
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr, argv.join(" ")).toContain(
        `error: EVCRED_TEMPLATES names ${file}, which is a file, not a folder`,
      );
    }
    expect(b.read("notes.txt")).toBe("not templates\n");
    expect(existsSync(b.path("outbox"))).toBe(false);
  });
});
