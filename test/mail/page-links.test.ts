/**
 * `it.links.*`: the attendee pages in the emails, from serve's public URL or EVCRED_PUBLIC_URL;
 * without one, the built-ins render without their link block.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pageLinks } from "../../src/domain/page-links.js";
import { templateVars, SAMPLE_ATTENDEE, SAMPLE_EVENT } from "../../src/mail/sample.js";
import { loadTemplate } from "../../src/mail/templates.js";
import { benchPerTest, SAMPLE_CSV, templatesIn } from "../helpers/workspace.js";

const LOCALES = ["en", "es", "fr", "de", "pt"];
const BUILTINS = ["credentials", "reminder", "code-reset"];

describe("pageLinks", () => {
  it("the three pages under the public URL, trailing slashes ignored; all null without one", () => {
    expect(pageLinks("https://login.example.com/", "summit")).toEqual({
      login: "https://login.example.com/e/summit",
      change_code: "https://login.example.com/e/summit/code",
      forgot: "https://login.example.com/e/summit/forgot",
    });
    expect(pageLinks(undefined, "summit")).toEqual({
      login: null,
      change_code: null,
      forgot: null,
    });
    expect(pageLinks("", "summit").login).toBeNull();
  });
});

describe("the built-in emails", () => {
  for (const locale of LOCALES) {
    for (const name of BUILTINS) {
      it(`${locale}/${name}: the links with a public URL, no link block without one`, () => {
        const template = loadTemplate(templatesIn("/nonexistent"), name, locale);
        const event = { ...SAMPLE_EVENT, locale };
        const withUrl = template.render(
          templateVars(event, SAMPLE_ATTENDEE, "K7QM-4XHP-2W", "https://login.example.com"),
        );
        for (const part of [withUrl.text, withUrl.html ?? ""]) {
          expect(part).toContain("https://login.example.com/e/sample-summit-2026/forgot");
          expect(part).toContain("https://login.example.com/e/sample-summit-2026/code");
        }
        const without = template.render(templateVars(event, SAMPLE_ATTENDEE, "K7QM-4XHP-2W"));
        for (const part of [without.text, without.html ?? ""]) {
          expect(part).not.toContain("/e/sample-summit-2026");
          expect(part).not.toMatch(/\bnull\b|undefined/);
        }
      });
    }
  }
});

describe("EVCRED_PUBLIC_URL for a send from a laptop", () => {
  const bench = benchPerTest();

  it("the outbox message carries the links; an unknown it.links name is refused", async () => {
    const b = bench();
    b.file("attendees.csv", SAMPLE_CSV);
    expect((await b.run(["import", "attendees.csv", "--event", "summit", "--yes"])).code).toBe(0);
    const env = { EVCRED_PUBLIC_URL: "https://login.summit.example/" };
    const sent = await b.run(["send", "--template", "credentials", "--yes", "--limit", "1"], {
      env,
    });
    expect(sent.code, sent.stderr).toBe(0);
    const files = readdirSync(b.path("outbox")).filter((f) => f.endsWith(".eml"));
    expect(files).toHaveLength(1);
    const eml = readFileSync(join(b.path("outbox"), files[0] ?? ""), "utf8");
    expect(eml).toContain("https://login.summit.example/e/summit/forgot");

    b.file(
      "templates/typo.eta",
      "---\nsubject: x\n---\n<%= it.user_email %> <%= it.user_pass %> <%= it.links.forgott %>\n",
    );
    const checked = await b.run(["template", "check", "typo"]);
    expect(checked.code).toBe(2);
    expect(checked.stderr).toContain(
      "templates/typo.eta:4: unknown variable it.links.forgott (did you mean it.links.forgot?)",
    );
  });

  it("an EVCRED_PUBLIC_URL that is not an http(s) URL: exit 2 naming it, nothing sent", async () => {
    const b = bench();
    b.file("attendees.csv", SAMPLE_CSV);
    expect((await b.run(["import", "attendees.csv", "--event", "summit", "--yes"])).code).toBe(0);
    const sent = await b.run(["send", "--template", "credentials", "--yes"], {
      env: { EVCRED_PUBLIC_URL: "login.summit.example" },
    });
    expect(sent.code).toBe(2);
    expect(sent.stderr).toContain(
      'EVCRED_PUBLIC_URL must be an http(s) URL, got "login.summit.example"',
    );
    expect(((await b.snapshot()).deliveries as unknown[]).length).toBe(0);
  });
});
