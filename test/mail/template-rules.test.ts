/**
 * A template must not be a way to print the codes (issue 11 item 6): the code only alone in an
 * output tag, no template code that reaches it or anything that prints, and no template that
 * someone else can change. Refused with file:line by `template check` and by every send.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { describe, expect, it } from "vitest";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();

async function withEvent(b: TestBench): Promise<void> {
  b.file("attendees.csv", SAMPLE_CSV);
  const r = await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"]);
  expect(r.code, r.stderr).toBe(0);
  const from = await b.run(["event", "update", "--from", "Summit Team <team@summit.example>"]);
  expect(from.code, from.stderr).toBe(0);
}

/** A credentials template whose line 5 is `line`. */
function template(line: string): string {
  return `---\nsubject: Your code\n---\nHi <%= it.first_name %>, <%= it.user_email %>\n${line}\nCode: <%= it.user_pass %>\n`;
}

const REFUSED: [string, string, RegExp][] = [
  [
    "the issue's payload",
    "<% process.stderr.write(it.user_pass) %>",
    /must not touch it\.user_pass/,
  ],
  ["code that reads the code", "<% const c = it.user_pass %>", /must not touch it\.user_pass/],
  ["a computed name", '<% const c = it["user_pass"] %>', /must not touch it\.user_pass/],
  ["a template literal", "<% const c = it[`user_pass`] %>", /must not use template literals/],
  ["an alias of it", "<% const p = it; %><%= p.first_name %>", /`it` may only be used as it\.NAME/],
  [
    "it taken apart",
    "<% for (const k in it) { %><%= k %><% } %>",
    /`it` may only be used as it\.NAME/,
  ],
  ["it whole", "<%= JSON.stringify(it) %>", /`it` may only be used as it\.NAME/],
  ["it[...]", '<%= it["first" + "_name"] %>', /`it` may only be used as it\.NAME/],
  [
    "the code in an expression",
    "<%= (globalThis.leak = it.user_pass) %>",
    /may only be output on its own/,
  ],
  ["the code lower-cased", "<%= it.user_pass.toLowerCase() %>", /may only be output on its own/],
  ["console in an output tag", '<%= console.log("x") %>', /must not use `console`/],
  ["process", "<% if (process.env.X) { %>x<% } %>", /must not use `process`/],
  ["require", '<% require("fs") %>', /must not use `require`/],
  ["import()", '<% import("fs") %>', /must not use `import`/],
  ["globalThis", "<%= globalThis.x %>", /must not use `globalThis`/],
  ["Function", '<% Function("return 1")() %>', /must not use `Function`/],
  ["eval", '<% eval("1") %>', /must not use `eval`/],
  [
    "this.constructor.constructor",
    "<% this.constructor.constructor('return 1')() %>",
    /must not use `this`/,
  ],
  ["a constructor", "<% [].map.constructor('return 1')() %>", /must not use `constructor`/],
  ["arguments", "<%= arguments[0].first_name %>", /must not use `arguments`/],
  ["Eta's output buffer", "<% Math.leak = __eta.res %>", /must not use `__eta`/],
  ["capture", "<% const c = capture(() => { %>x<% }) %>", /must not use `capture`/],
  [
    "names spelled with escapes",
    "<% const c = \\u0069t.user\\u005fpass %>",
    /must not spell names with \\u escapes/,
  ],
  // A quote the rule's scanner reads but JavaScript does not would hide the code after it.
  [
    "a quote inside a template literal",
    "<% const a = `'`; process.stderr.write(it['user' + '_pass']); const b = `'` %>",
    /must not use template literals/,
  ],
  [
    "a quote inside a regular expression",
    "<% const a = /'/; process.exit(3); const b = /'/ %>",
    /must not use \/ \(a regular expression or a division\)/,
  ],
  [
    "a line separator ending a // comment",
    "<% // x\u2028process.stderr.write('x') %>",
    /must not hold a line separator/,
  ],
  [
    "a line separator inside a string",
    "<% const s = 'a\u2028'; process.exit(3); const t = 'b' %>",
    /must not hold a line separator/,
  ],
  // The way to Function (then process, the key and every code) by a name no check can read.
  [
    "a computed constructor",
    '<% "".sub["constr" + "uctor"]("return process")().exit(3) %>',
    /may use \[ \] only for an array or around a plain string/,
  ],
  [
    "a constructor spelled with an escape",
    '<% const { "constr\\x75ctor": F } = "".sub; F("return process")().exit(3) %>',
    /must not use escapes in strings/,
  ],
  [
    "Object's reflection",
    '<% Object.getOwnPropertyDescriptor("".sub, "constr" + "uctor") %>',
    /must not use `Object`/,
  ],
  [
    "a computed key",
    '<% const { ["constr" + "uctor"]: F } = "".sub; F("return process")().exit(3) %>',
    /may use \[ \] only for an array or around a plain string/,
  ],
  [
    "a string indexed by a computed name",
    '<% "x"["constr" + "uctor"] %>',
    /may use \[ \] only for an array or around a plain string/,
  ],
  [
    "a stack's call sites (Eta's compile, unchecked)",
    "<% Error.prepareStackTrace = (e, s) => s; new Error().stack.at(0).getThis() %>",
    /must not use `prepareStackTrace`/,
  ],
  ["__lookupGetter__", '<% "".__lookupGetter__("x") %>', /must not use `__lookupGetter__`/],
  ["an HTML-like comment", "<% const x = 1 <!-- x %>", /must not use HTML-like comments/],
];

describe("the template rule", () => {
  it.each(REFUSED)("template check refuses %s with file:line, exit 2", async (_what, line, why) => {
    const b = bench();
    await withEvent(b);
    b.file("templates/evil.eta", template(line));
    const r = await b.run(["template", "check", "evil"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: templates\/evil\.eta:5: /);
    expect(r.stderr).toMatch(why);
  });

  it("finds the line in an HTML body and inside a multi-line tag", async () => {
    const b = bench();
    await withEvent(b);
    b.file("templates/evil.eta", template("fine"));
    b.file(
      "templates/evil.html.eta",
      "<p><%= it.user_email %></p>\n<p><%= it.user_pass %></p>\n<%\n  const x = 1;\n  console.log(x);\n%>\n",
    );
    const r = await b.run(["template", "check", "evil"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("templates/evil.html.eta:5: template code must not use `console`");
  });

  it("refuses the issue's payload at send too: nothing sent, no code printed", async () => {
    const b = bench();
    await withEvent(b);
    b.file("templates/evil.eta", template("<% process.stderr.write(it.user_pass) %>"));
    const before = await b.snapshot();
    const r = await b.run(["send", "--template", "evil", "--yes"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("templates/evil.eta:5:");
    expect(await b.snapshot()).toEqual(before);
    expect(existsSync(b.path("outbox")) ? readdirSync(b.path("outbox")) : []).toEqual([]);
    for (const email of ["ada@example.com", "grace@example.com", "alan@example.com"]) {
      expect(r.stdout + r.stderr).not.toContain(await b.codeOf(email));
    }
  });

  it.each([
    ["names in strings and fields", '<%= "process, console and this" %> <%= it.fields.company %>'],
    [
      "if, loops and formatting",
      "<% for (const n of [1, 2]) { %><%= n %><% } %><%= it.event.name.toUpperCase() %>",
    ],
    ["dates", '<%= it.event.starts_at ? new Date(it.event.starts_at).toUTCString() : "" %>'],
    ["optional chaining", '<%= it?.first_name ?? "" %>'],
    [
      "a field by its column's name",
      '<%= it.fields["company"] %><% const a = [it.first_name, 2] %>',
    ],
  ])("passes %s", async (_what, line) => {
    const b = bench();
    await withEvent(b);
    b.file("templates/fine.eta", template(line));
    const r = await b.run(["template", "check", "fine"]);
    expect(r.code, r.stderr).toBe(0);
  });

  it("passes every built-in", async () => {
    const b = bench();
    await withEvent(b);
    for (const name of ["credentials", "reminder", "code-reset"]) {
      const r = await b.run(["template", "check", name]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
    }
  });
});

describe("templates others can change", () => {
  it.each([
    [
      "a template file writable by its group",
      "templates/welcome.eta",
      0o664,
      "this template is writable by its group (mode 664)",
    ],
    [
      "a template file writable by others",
      "templates/welcome.eta",
      0o646,
      "this template is writable by others (mode 646)",
    ],
    [
      "an HTML body writable by others",
      "templates/welcome.html.eta",
      0o666,
      "writable by its group and others (mode 666)",
    ],
    [
      "the templates folder writable by others",
      "templates",
      0o777,
      "the templates folder is writable by its group and others (mode 777)",
    ],
  ])("refuses %s, at check and at send, naming it", async (_what, path, mode, message) => {
    const b = bench();
    await withEvent(b);
    expect((await b.run(["template", "new", "welcome", "--from", "credentials"])).code).toBe(0);
    expect((await b.run(["template", "check", "welcome"])).code).toBe(0);
    chmodSync(b.path(path), mode);
    const check = await b.run(["template", "check", "welcome"]);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain(message);
    expect(check.stderr).toContain("whoever can change it can make it print the codes");
    expect(check.stderr).toContain(`chmod go-w ${b.path(path)}`);
    const send = await b.run(["send", "--template", "welcome", "--yes"]);
    expect(send.code).toBe(2);
    expect(send.stderr).toContain(message);
  });

  it("refuses a template that is a symlink into a folder others can write, and a workspace folder others can write", async () => {
    const b = bench();
    await withEvent(b);
    expect((await b.run(["template", "new", "welcome", "--from", "credentials"])).code).toBe(0);
    // The file is private, its folder is not: anyone can put another file in its place.
    mkdirSync(b.path("open"));
    chmodSync(b.path("open"), 0o777);
    renameSync(b.path("templates/welcome.eta"), b.path("open/welcome.eta"));
    symlinkSync(b.path("open/welcome.eta"), b.path("templates/welcome.eta"));
    const check = await b.run(["template", "check", "welcome"]);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain(
      `this template is under ${b.path("open")}, which group or others can write (mode 777)`,
    );
    expect(check.stderr).toContain(`chmod go-w ${b.path("open")}`);
    const send = await b.run(["send", "--template", "welcome", "--yes"]);
    expect(send.code).toBe(2);

    rmSync(b.path("templates/welcome.eta"));
    renameSync(b.path("open/welcome.eta"), b.path("templates/welcome.eta"));
    expect((await b.run(["template", "check", "welcome"])).code).toBe(0);
    // The workspace's own folder: anyone can rename templates/ away and put theirs.
    chmodSync(b.dir, 0o777);
    try {
      const loose = await b.run(["template", "check", "welcome"]);
      expect(loose.code).toBe(2);
      expect(loose.stderr).toContain(`this template is under ${b.dir}, which group or others`);
    } finally {
      chmodSync(b.dir, 0o700);
    }
  });

  it("template new writes files only their owner can change, whatever the umask", async () => {
    const b = bench();
    await withEvent(b);
    const old = process.umask(0o000);
    try {
      expect((await b.run(["template", "new", "welcome", "--from", "credentials"])).code).toBe(0);
    } finally {
      process.umask(old);
    }
    expect((await b.run(["template", "check", "welcome"])).code).toBe(0);
  });
});
