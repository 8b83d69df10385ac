import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { maskedCode } from "../../src/domain/codes.js";
import { checkSamples, sampleVars, SAMPLE_EVENT, templateVars } from "../../src/mail/sample.js";
import {
  assertCredentialTemplate,
  checkTemplate,
  headerValue,
  listTemplates,
  loadTemplate,
  TemplateError,
} from "../../src/mail/templates.js";
import { UsageError } from "../../src/errors.js";
import { templatesIn } from "../helpers/workspace.js";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "evcred-templates-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: string): void {
  mkdirSync(join(dir, "templates"), { recursive: true });
  writeFileSync(join(dir, "templates", name), content);
}

function failure(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error("expected a UsageError");
}

const HOSTILE = {
  email: "eve@example.com",
  firstName: "<script>alert(1)</script>",
  lastName: 'O"Brien & <b>Co</b>',
  fields: { company: "<img src=x onerror=alert(2)>" },
};

describe("built-in templates", () => {
  for (const name of ["credentials", "reminder", "code-reset"]) {
    it(`${name}: subject, text and HTML carry the email, the grouped code and the login link`, () => {
      const t = loadTemplate(templatesIn(dir), name);
      expect(t.origin).toBe("builtin");
      expect(t.files).toHaveLength(2);
      expect(() => {
        assertCredentialTemplate(t);
      }).not.toThrow();
      expect(t.uses).toEqual({ email: true, code: true });
      const vars = templateVars(SAMPLE_EVENT, HOSTILE, "K7QM-4XHP-2W");
      const m = t.render(vars);
      expect(m.subject).toContain(SAMPLE_EVENT.name);
      expect(m.subject).not.toMatch(/[\r\n]/);
      for (const body of [m.text, m.html ?? ""]) {
        expect(body).toContain("eve@example.com");
        expect(body).toContain("K7QM-4XHP-2W");
        expect(body).toContain("https://venue.example.com/login");
      }
      expect(m.html).toMatch(/^<!doctype html>/);
      expect(m.html).toContain('href="https://venue.example.com/login"');
      expect(m.text).not.toContain("undefined");
      expect(m.text).not.toMatch(/\n{3,}/);
    });
  }

  it("render without a login link or start time leaves no button and no gaps", () => {
    const t = loadTemplate(templatesIn(dir), "credentials");
    const m = t.render(sampleVars({ ...SAMPLE_EVENT, loginUrl: null, startsAt: null }));
    expect(m.html).not.toContain("<a href");
    expect(m.text).not.toContain("Log in at");
    expect(m.text).not.toMatch(/\n{3,}/);
    expect(m.text).toContain(maskedCode(10));
  });
});

describe("escaping and headers", () => {
  it("escapes a hostile name in HTML and keeps it verbatim in the text body", () => {
    write(
      "hostile.eta",
      "---\nsubject: Hi <%= it.first_name %>\n---\n<%= it.first_name %> <%= it.last_name %> <%= it.fields.company %>\n<%= it.user_email %> <%= it.user_pass %>\n",
    );
    write(
      "hostile.html.eta",
      "<p><%= it.first_name %> <%= it.last_name %> <%= it.fields.company %></p><p><%= it.user_email %> <%= it.user_pass %></p>\n",
    );
    const m = loadTemplate(templatesIn(dir), "hostile").render(
      templateVars(SAMPLE_EVENT, HOSTILE, "X"),
    );
    expect(m.html).not.toContain("<script>");
    expect(m.html).not.toContain("<img");
    expect(m.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(m.html).toContain("O&quot;Brien &amp; &lt;b&gt;Co&lt;/b&gt;");
    expect(m.text).toContain(
      '<script>alert(1)</script> O"Brien & <b>Co</b> <img src=x onerror=alert(2)>',
    );
    expect(m.subject).toBe("Hi <script>alert(1)</script>");
  });

  it("removes CR and LF (and other control characters) from the subject", () => {
    write(
      "inject.eta",
      "---\nsubject: Hello <%= it.first_name %>!\n---\n<%= it.user_email %> <%= it.user_pass %>\n",
    );
    const vars = templateVars(
      SAMPLE_EVENT,
      { ...HOSTILE, firstName: "Eve\r\nBcc: victim@example.com\n\tX" },
      "X",
    );
    const m = loadTemplate(templatesIn(dir), "inject").render(vars);
    expect(m.subject).toBe("Hello Eve Bcc: victim@example.com X!");
    expect(headerValue("a\u2028b\u0000c\r\n")).toBe("a b c");
  });

  it("renders null and missing fields as nothing, and it.fields.COLUMN for custom columns", () => {
    write(
      "fields.eta",
      "---\nsubject: S\n---\n[<%= it.fields.company %>][<%= it.fields.missing %>][<%= it.event.login_url %>]\n<%= it.user_email %> <%= it.user_pass %>\n",
    );
    const m = loadTemplate(templatesIn(dir), "fields").render(
      templateVars(
        { ...SAMPLE_EVENT, loginUrl: null },
        { ...HOSTILE, fields: '{"company":"ACME"}' },
        "X",
      ),
    );
    expect(m.text).toBe("[ACME][][]\neve@example.com X\n");
  });

  it("removes lines holding only a control tag, keeps newlines after values, reads CRLF files", () => {
    write(
      "lines.eta",
      "---\r\nsubject: S\r\n---\r\nA: <%= it.user_email %>\r\n  <% if (it.first_name) { %>\r\nB: <%= it.first_name %>\r\n  <% } %>\r\nC: <%= it.user_pass %>\r\n",
    );
    const m = loadTemplate(templatesIn(dir), "lines").render(
      templateVars(SAMPLE_EVENT, HOSTILE, "X"),
    );
    expect(m.text).toBe("A: eve@example.com\nB: <script>alert(1)</script>\nC: X\n");
  });
});

describe("template errors name the file and the line", () => {
  it("an unknown variable, with a suggestion", () => {
    write(
      "typo.eta",
      "---\nsubject: Hi\n---\nline 4\nline 5\nline 6\nYour code: <%= it.user_passs %>\n",
    );
    const error = failure(() => loadTemplate(templatesIn(dir), "typo"));
    expect(error).toBeInstanceOf(TemplateError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      "templates/typo.eta:7: unknown variable it.user_passs (did you mean it.user_pass?)",
    );
  });

  it("an unknown event variable, in the subject and in the HTML body", () => {
    write("ev.eta", "---\n\nsubject: <%= it.event.nmae %>\n---\nbody\n");
    expect(failure(() => loadTemplate(templatesIn(dir), "ev")).message).toBe(
      "templates/ev.eta:3: unknown variable it.event.nmae (did you mean it.event.name?)",
    );
    write("ev.eta", "---\nsubject: ok\n---\nbody\n");
    write("ev.html.eta", "<p>\n<%= it.event.login %>\n</p>\n");
    expect(failure(() => loadTemplate(templatesIn(dir), "ev")).message).toBe(
      "templates/ev.html.eta:2: unknown variable it.event.login (did you mean it.event.login_url?)",
    );
  });

  it("a JavaScript syntax error", () => {
    write(
      "syntax.eta",
      "---\nsubject: S\n---\nfine <%= it.user_email %>\n<% if (it.first_name { %>\nx\n<% } %>\n",
    );
    const error = failure(() => loadTemplate(templatesIn(dir), "syntax"));
    expect(error.message).toMatch(/^templates\/syntax\.eta:5: /);
  });

  it("a block never closed", () => {
    write(
      "open.eta",
      "---\nsubject: S\n---\n<%= it.user_email %>\n\n<% if (it.first_name) { %>\nx\n",
    );
    expect(failure(() => loadTemplate(templatesIn(dir), "open")).message).toMatch(
      /^templates\/open\.eta:6: a block opened here is never closed/,
    );
  });

  it("an unclosed tag", () => {
    write("tag.eta", "---\nsubject: S\n---\nok\n<%= it.user_email \nmore\n");
    expect(failure(() => loadTemplate(templatesIn(dir), "tag")).message).toBe(
      "templates/tag.eta:5: unclosed tag",
    );
  });

  it("a bad front-matter block", () => {
    write("fm.eta", "subject: S\nbody\n");
    expect(failure(() => loadTemplate(templatesIn(dir), "fm")).message).toMatch(
      /^templates\/fm\.eta:1: expected a front-matter block/,
    );
    write("fm.eta", "---\nsubjet: S\n---\nbody\n");
    expect(failure(() => loadTemplate(templatesIn(dir), "fm")).message).toBe(
      'templates/fm.eta:2: unknown front-matter key "subjet" (did you mean subject?)',
    );
    write("fm.eta", "---\nsubject: S\nbody\n");
    expect(failure(() => loadTemplate(templatesIn(dir), "fm")).message).toMatch(/never closed/);
  });

  it("an error while rendering, at the line of the tag", () => {
    write(
      "boom.eta",
      "---\nsubject: S\n---\n<%= it.user_email %> <%= it.user_pass %>\n<%= it.event.starts_at.slice(0, 10) %>\n",
    );
    const t = loadTemplate(templatesIn(dir), "boom");
    const error = failure(() => {
      checkTemplate(t, checkSamples(undefined, []));
    });
    expect(error.message).toMatch(
      /^templates\/boom\.eta:5: .*null.*\(rendering for an event with no start time/,
    );
  });

  it("a known name used without it.", () => {
    write("bare.eta", "---\nsubject: S\n---\n<%= it.user_email %>\n<%= user_pass %>\n");
    const error = failure(() => {
      loadTemplate(templatesIn(dir), "bare").render(sampleVars());
    });
    expect(error.message).toBe(
      "templates/bare.eta:5: unknown variable user_pass (did you mean it.user_pass?)",
    );
  });

  it("an unknown template lists the known ones", () => {
    const error = failure(() => loadTemplate(templatesIn(dir), "credentails"));
    expect(error.message).toBe('no template "credentails" (did you mean credentials?)');
    expect(error.hint).toContain("credentials, reminder");
    expect(failure(() => loadTemplate(templatesIn(dir), "../etc/passwd")).message).toMatch(
      /not a template name/,
    );
  });
});

describe("the credentials rule", () => {
  it("refuses a template without it.user_pass, naming it and the body", () => {
    write(
      "nocode.eta",
      "---\nsubject: Hello <%= it.first_name %>\n---\nYour login: <%= it.user_email %>\n",
    );
    const error = failure(() => {
      assertCredentialTemplate(loadTemplate(templatesIn(dir), "nocode"));
    });
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      'template "nocode" cannot carry credentials: it.user_pass is missing from the text body (templates/nocode.eta)',
    );
  });

  it("needs the code in the HTML body too, and accepts the email in the subject", () => {
    write(
      "half.eta",
      "---\nsubject: Login for <%= it.user_email %>\n---\nCode: <%= it.user_pass %>\n",
    );
    write("half.html.eta", "<p>Welcome</p>\n");
    const error = failure(() => {
      assertCredentialTemplate(loadTemplate(templatesIn(dir), "half"));
    });
    expect(error.message).toBe(
      'template "half" cannot carry credentials: it.user_pass is missing from the HTML body (templates/half.html.eta)',
    );
    write("half.html.eta", "<p><%= it.user_pass %></p>\n");
    expect(() => {
      assertCredentialTemplate(loadTemplate(templatesIn(dir), "half"));
    }).not.toThrow();
  });

  it("names both when both are missing", () => {
    write("none.eta", "---\nsubject: Hi\n---\nHello\n");
    const error = failure(() => {
      assertCredentialTemplate(loadTemplate(templatesIn(dir), "none"));
    });
    expect(error.message).toContain("it.user_email is missing");
    expect(error.message).toContain("it.user_pass is missing");
  });
});

describe("listTemplates", () => {
  it("lists built-ins, workspace templates and overrides", () => {
    write("credentials.eta", "---\nsubject: Mine\n---\n<%= it.user_email %> <%= it.user_pass %>\n");
    write("welcome.eta", "---\nsubject: W\n---\n<%= it.user_email %> <%= it.user_pass %>\n");
    write("welcome.html.eta", "<p><%= it.user_email %> <%= it.user_pass %></p>\n");
    const list = listTemplates(templatesIn(dir));
    expect(list.map((t) => [t.name, t.origin, t.overrides, t.html])).toEqual([
      ["code-reset", "builtin", false, true],
      ["credentials", "workspace", true, false],
      ["reminder", "builtin", false, true],
      ["welcome", "workspace", false, true],
    ]);
    const own = loadTemplate(templatesIn(dir), "credentials");
    expect(own.origin).toBe("workspace");
    expect(own.render(sampleVars()).html).toBeUndefined();
  });
});
