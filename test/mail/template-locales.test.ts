import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LOCALES } from "../../src/domain/events.js";
import { checkSamples, SAMPLE_EVENT, templateVars } from "../../src/mail/sample.js";
import { templatesIn } from "../helpers/workspace.js";
import {
  BUILTIN_DIR,
  checkTemplate,
  createTemplate,
  listTemplates,
  loadTemplate,
} from "../../src/mail/templates.js";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "evcred-locales-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const BUILTINS = ["credentials", "reminder", "code-reset"];
const EVENT = {
  ...SAMPLE_EVENT,
  startsAt: "2026-05-04T07:00:00.000Z",
  timezone: "Europe/Madrid",
};
const ATTENDEE = { email: "jose@example.com", firstName: "José", lastName: "García", fields: {} };

/** How each language writes the start, and words that prove the text is in it. */
const EXPECTED: Record<string, { date: string; words: RegExp; greeting: string }> = {
  en: { date: "4 May 2026, 09:00 (Europe/Madrid)", words: /access code/i, greeting: "Hi José" },
  es: { date: "4 de mayo de 2026, 09:00 (Europe/Madrid)", words: /código/, greeting: "Hola José" },
  fr: {
    date: "4 mai 2026, 09:00 (Europe/Madrid)",
    words: /code d'accès/i,
    greeting: "Bonjour José",
  },
  de: { date: "4. Mai 2026, 09:00 (Europe/Madrid)", words: /Zugangscode/, greeting: "Hallo José" },
  pt: { date: "4 de maio de 2026, 09:00 (Europe/Madrid)", words: /código/, greeting: "Olá José" },
};

describe("built-in templates in every language", () => {
  it("ship one folder per language with the same templates", () => {
    const folders = (dir: string) =>
      readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
    const files = (dir: string) =>
      readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => e.name)
        .sort();
    expect(folders(BUILTIN_DIR)).toEqual([...LOCALES].sort());
    const pages = files(join(BUILTIN_DIR, "en", "pages"));
    expect(pages.length).toBeGreaterThan(0);
    for (const locale of LOCALES) {
      expect(files(join(BUILTIN_DIR, locale))).toEqual(
        BUILTINS.flatMap((n) => [`${n}.eta`, `${n}.html.eta`]).sort(),
      );
      // The attendee pages too, the same ones in every language.
      expect(folders(join(BUILTIN_DIR, locale))).toEqual(["pages"]);
      expect(files(join(BUILTIN_DIR, locale, "pages"))).toEqual(pages);
    }
  });

  for (const locale of LOCALES) {
    for (const name of BUILTINS) {
      it(`${locale}/${name}: renders in ${locale}, carries email and code, passes template check`, () => {
        const t = loadTemplate(templatesIn(dir), name, locale);
        expect(t.files[0]).toBe(join(BUILTIN_DIR, locale, `${name}.eta`));
        expect(t.parts.text).toEqual({ email: true, code: true });
        expect(t.parts.html).toEqual({ email: true, code: true });
        const event = { ...EVENT, locale };
        expect(() => {
          checkTemplate(t, checkSamples(event, []));
        }).not.toThrow();
        const m = t.render(templateVars(event, ATTENDEE, "K7QM-4XHP-2W"));
        const expected = EXPECTED[locale];
        if (!expected) throw new Error(locale);
        for (const body of [m.text, m.html ?? ""]) {
          expect(body).toContain("jose@example.com");
          expect(body).toContain("K7QM-4XHP-2W");
          expect(body).toMatch(expected.words);
          expect(body).toContain(expected.greeting);
          expect(body).not.toContain("undefined");
        }
        if (name === "reminder") expect(m.subject).toContain(expected.date);
        else expect(m.subject).toMatch(expected.words);
        expect(m.html).toContain(`<html lang="${locale}">`);
        if (name !== "code-reset") expect(m.text).toContain(expected.date);
        if (locale !== "en") {
          for (const english of ["Hi ", "Your ", "Log in", "please don't", "registered for"]) {
            expect(m.text + (m.html ?? "")).not.toContain(english);
          }
        }
      });
    }
  }

  it("greet without a name, and leave out a start time the event lacks, in every language", () => {
    for (const locale of LOCALES) {
      const t = loadTemplate(templatesIn(dir), "credentials", locale);
      const m = t.render(
        templateVars(
          { ...EVENT, locale, startsAt: null },
          { ...ATTENDEE, firstName: "" },
          "K7QM-4XHP-2W",
        ),
      );
      expect(m.text.split("\n")[0]).toMatch(/^(Hi there|Hola|Bonjour|Hallo|Olá)[,:]$/);
      expect(m.text).not.toContain("Europe/Madrid");
      expect(m.text).not.toMatch(/\n{3,}/);
    }
  });

  it("a workspace template wins in every language", () => {
    mkdirSync(join(dir, "templates"));
    writeFileSync(
      join(dir, "templates", "credentials.eta"),
      "---\nsubject: Ours\n---\n<%= it.user_email %> <%= it.user_pass %>\n",
    );
    for (const locale of LOCALES) {
      const t = loadTemplate(templatesIn(dir), "credentials", locale);
      expect(t.origin).toBe("workspace");
      expect(t.render(templateVars({ ...EVENT, locale }, ATTENDEE, "X")).subject).toBe("Ours");
    }
    expect(
      listTemplates(templatesIn(dir), "es").find((t) => t.name === "credentials"),
    ).toMatchObject({
      origin: "workspace",
      overrides: true,
    });
  });

  it("offers the ISO start and the zone to templates that format the time themselves", () => {
    mkdirSync(join(dir, "templates"));
    writeFileSync(
      join(dir, "templates", "own.eta"),
      "---\nsubject: <%= it.event.starts_at_iso %> <%= it.event.timezone %>\n---\n<%= it.event.starts_at %> <%= it.user_email %> <%= it.user_pass %>\n",
    );
    const t = loadTemplate(templatesIn(dir), "own", "fr");
    expect(() => {
      checkTemplate(t, checkSamples({ ...EVENT, locale: "fr" }, []));
    }).not.toThrow();
    const m = t.render(templateVars({ ...EVENT, locale: "fr" }, ATTENDEE, "X"));
    expect(m.subject).toBe("2026-05-04T07:00:00.000Z Europe/Madrid");
    expect(m.text).toContain("4 mai 2026, 09:00 (Europe/Madrid) jose@example.com X");
    const utc = t.render(templateVars({ ...EVENT, timezone: null }, ATTENDEE, "X"));
    expect(utc.subject).toBe("2026-05-04T07:00:00.000Z UTC");
    expect(utc.text).toContain("4 May 2026, 07:00 (UTC)");
  });

  it("template check catches a template still parsing it.event.starts_at as a date", () => {
    mkdirSync(join(dir, "templates"));
    writeFileSync(
      join(dir, "templates", "old.eta"),
      "---\nsubject: Hi\n---\nStarts <%= new Date(it.event.starts_at).toUTCString() %>\n<%= it.user_email %> <%= it.user_pass %>\n",
    );
    // Spanish dates do not parse; an English one parses in the machine's zone, unnoticed.
    const t = loadTemplate(templatesIn(dir), "old", "es");
    expect(() => {
      checkTemplate(t, checkSamples({ ...EVENT, locale: "es" }, []));
    }).toThrow(`templates/old.eta: renders "Invalid Date" for a sample attendee of ${EVENT.slug}`);
  });

  it("lists the language's built-ins, and copies the language asked for", () => {
    const es = listTemplates(templatesIn(dir), "es").find((t) => t.name === "reminder");
    expect(es?.files[0]).toBe(join(BUILTIN_DIR, "es", "reminder.eta"));
    const files = createTemplate(templatesIn(dir), "bienvenida", "credentials", "es");
    expect(files).toEqual([
      join(dir, "templates", "bienvenida.eta"),
      join(dir, "templates", "bienvenida.html.eta"),
    ]);
    const copied = loadTemplate(templatesIn(dir), "bienvenida", "en");
    expect(copied.render(templateVars(EVENT, ATTENDEE, "X")).subject).toBe(
      `Tu código de acceso para ${EVENT.name}`,
    );
  });

  it("falls back to English for a language without its own copy", () => {
    expect(loadTemplate(templatesIn(dir), "credentials", "it").files[0]).toBe(
      join(BUILTIN_DIR, "en", "credentials.eta"),
    );
  });
});
