/**
 * The bad-input corpus: CSV files, templates, flags and environment an organizer (or their
 * spreadsheet, editor or shell) gets wrong. Every case runs against the same workspace — an
 * event with three attendees whose credentials are already in the outbox, links for resend and
 * reset — and must: exit with its exact code, say what is wrong and where (file:line, the flag,
 * the variable) in that order, put the error in the JSON document with --json, never echo a
 * password or a code, and change nothing: every table, the outbox folder and the other files
 * are as they were. test/commands/import-errors.test.ts has the first ten CSV cases (missing,
 * empty, binary, no email column, invalid UTF-8 …); these are the rest.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestBench, benchPerTest, SAMPLE_CSV, type RunResult } from "../helpers/workspace.js";

const bench = benchPerTest();
let seed: TestBench;
let codes: string[] = [];

/** summit: 3 attendees, sender set, credentials sent to the outbox, resend and reset linked. */
beforeAll(async () => {
  seed = await TestBench.create();
  seed.file("seed.csv", SAMPLE_CSV);
  const steps = [
    ["import", "seed.csv", "--event", "summit", "--yes"],
    ["event", "update", "--from", "Summit <team@summit.example>"],
    ["template", "link", "resend", "credentials"],
    ["template", "link", "reset", "code-reset"],
    ["send", "--template", "credentials", "--yes"],
  ];
  for (const argv of steps) expect((await seed.run(argv)).code, argv.join(" ")).toBe(0);
  codes = await Promise.all(["ada", "grace", "alan"].map((n) => seed.codeOf(`${n}@example.com`)));
});
afterAll(async () => {
  await seed.cleanup();
});

interface Case {
  name: string;
  files?: Record<string, string | Buffer>;
  /** Run before the "before" picture: setting up what the case then breaks. */
  prepare?: (b: TestBench) => Promise<void>;
  argv: string[];
  env?: NodeJS.ProcessEnv;
  /** What the command reads on stdin; without it, stdin stays open and silent. */
  stdin?: string;
  code: number;
  /** What stderr says, in this order. */
  says: string[];
  /** Text that must appear nowhere in the output. */
  never?: string[];
  /** A usage error found by commander itself (its JSON document has no hint). */
  commander?: boolean;
  /** For a command whose result is a report (doctor): checks its JSON instead. */
  report?: (json: unknown) => void;
}

const TEMPLATE_HEAD = "---\nsubject: Hi\n---\n";
const GOOD_BODY = "<%= it.user_email %> <%= it.user_pass %>\n";
const utf16 = (text: string) => Buffer.from(text, "utf16le");
const manyRows = (n: number) =>
  Array.from({ length: n }, (_, i) => `p${i}@example.com,N${i}`).join("\n");
const SECRET = "hunter2";

const CSV: Case[] = [
  {
    name: "UTF-16 without a byte-order mark",
    files: { "bad.csv": utf16("email,name\nx@example.com,X\n") },
    argv: ["import", "bad.csv", "--event", "summit"],
    code: 2,
    says: ["bad.csv is not a text file (it contains NUL bytes)", "hint: export the attendee list"],
  },
  {
    name: "UTF-16 with a BOM, cut in the middle of a character",
    files: {
      "bad.csv": Buffer.concat([
        Buffer.of(0xff, 0xfe),
        utf16("email,name\nx@example.com,X\n"),
        Buffer.of(0x41),
      ]),
    },
    argv: ["import", "bad.csv", "--event", "summit"],
    code: 2,
    says: ["bad.csv:3: not UTF-16 text", 'hint: save the file as "CSV UTF-8" or "Unicode text"'],
  },
  {
    name: "UTF-32 with a BOM",
    files: {
      "bad.csv": Buffer.concat([Buffer.of(0xff, 0xfe, 0, 0), Buffer.from("e\0\0\0m\0\0\0")]),
    },
    argv: ["import", "bad.csv", "--event", "summit"],
    code: 2,
    says: ["bad.csv is UTF-32 text, which evcred does not read", "hint: save the file as"],
  },
  {
    name: "Windows-1252 curly quotes in a name",
    files: {
      "bad.csv": Buffer.concat([
        Buffer.from("email,name\nzoe@example.com,"),
        Buffer.of(0x93, 0x5a, 0x6f, 0xeb, 0x94),
        Buffer.from("\n"),
      ]),
    },
    argv: ["import", "bad.csv", "--event", "summit"],
    code: 2,
    says: ["bad.csv:2: not UTF-8 text"],
  },
  {
    name: "Latin-1 in the header",
    files: {
      "bad.csv": Buffer.concat([Buffer.from("email,Pr"), Buffer.of(0xe9), Buffer.from("nom\n")]),
    },
    argv: ["import", "bad.csv", "--event", "summit"],
    code: 2,
    says: ["bad.csv:1: not UTF-8 text"],
  },
  {
    name: "a quote that is never closed (--strict)",
    files: {
      "bad.csv": 'email,name\nok@example.com,Ok\nx@example.com,"Unclosed\ny@example.com,Y\n',
    },
    argv: ["import", "bad.csv", "--event", "summit", "--strict"],
    code: 2,
    says: [
      "bad.csv:3: a quoted field starts here and is never closed",
      "--strict: 1 of 2 rows rejected; nothing imported",
    ],
  },
  {
    name: "a quote inside an email (--strict)",
    files: { "bad.csv": 'email,name\nad"a@example.com,Ada\nok@example.com,Ok\n' },
    argv: ["import", "bad.csv", "--event", "summit", "--strict"],
    code: 2,
    says: ['bad.csv:2: invalid email "ad"a@example.com"', "--strict: 1 of 2 rows rejected"],
  },
  {
    name: "a 2,001-character field (--strict)",
    files: {
      "bad.csv": `email,name,notes\nok@example.com,Ok,${"n".repeat(2_001)}\nz@example.com,Z,\n`,
    },
    argv: ["import", "bad.csv", "--event", "summit", "--strict"],
    code: 2,
    says: [
      "bad.csv:2: column 3 has 2001 characters (at most 2000)",
      "--strict: 1 of 2 rows rejected",
    ],
  },
  {
    name: "a 10 MB single line as the only row",
    files: { "bad.csv": `email,name\nx@example.com,${"y".repeat(10 * 1024 * 1024)}\n` },
    argv: ["import", "bad.csv", "--event", "summit"],
    code: 2,
    says: [
      "bad.csv:2: column 2 has 10485760 characters (at most 2000)",
      "every row was rejected; nothing imported",
    ],
  },
  {
    name: "a 10 MB header line without an email column",
    files: { "bad.csv": `name,${"h".repeat(10 * 1024 * 1024)}` },
    argv: ["import", "bad.csv", "--event", "summit"],
    code: 2,
    says: ["bad.csv:1: no email column", `the header has: "name", "${"h".repeat(40)}…"`],
  },
  {
    name: "a NUL byte in the header",
    files: { "bad.csv": "email\0,name\nx@example.com,X\n" },
    argv: ["import", "bad.csv", "--event", "summit"],
    code: 2,
    says: ["bad.csv is not a text file (it contains NUL bytes)"],
  },
  {
    name: "a NUL byte in a row beyond the first 64 KiB (--strict)",
    files: { "bad.csv": `email,name\n${manyRows(4_000)}\nlate@example.com,La\0te\n` },
    argv: ["import", "bad.csv", "--event", "summit", "--strict"],
    code: 2,
    says: ["bad.csv:4002: column 2 holds a control character", "--strict: 1 of 4001 rows rejected"],
  },
  {
    name: "formula-looking cells in a rejected row (--strict)",
    files: { "bad.csv": "email,name\n=cmd|' /C calc'!A0,@SUM(1+1)\nok@example.com,+1\n" },
    argv: ["import", "bad.csv", "--event", "summit", "--strict"],
    code: 2,
    says: [`bad.csv:2: invalid email "=cmd|' /C calc'!A0"`, "--strict: 1 of 2 rows rejected"],
  },
  {
    name: "only rows of empty cells",
    files: { "bad.csv": ";;;\n;;;\n\n" },
    argv: ["import", "bad.csv", "--event", "summit"],
    code: 2,
    says: ["bad.csv is empty"],
  },
  {
    name: "only a byte-order mark",
    files: { "bad.csv": Buffer.of(0xef, 0xbb, 0xbf) },
    argv: ["import", "bad.csv", "--event", "summit"],
    code: 2,
    says: ["bad.csv is empty"],
  },
  {
    name: "a path through a file",
    files: { "f.csv": SAMPLE_CSV },
    argv: ["import", "f.csv/x.csv", "--event", "summit"],
    code: 2,
    says: ["cannot read", "f.csv/x.csv: ENOTDIR"],
  },
  {
    name: "--rejects into a folder that does not exist",
    files: { "bad.csv": "email\nnope\nnew@example.com\n" },
    argv: ["import", "bad.csv", "--event", "summit", "--yes", "--rejects", "nowhere/r.csv"],
    code: 2,
    says: [
      "--rejects: cannot write",
      "nowhere/r.csv: the folder ",
      "/nowhere does not exist (ENOENT)",
    ],
  },
  {
    name: "--rejects onto a folder",
    files: { "bad.csv": "email\nnope\nnew@example.com\n" },
    argv: ["import", "bad.csv", "--event", "summit", "--yes", "--rejects", "outbox"],
    code: 2,
    says: ["--rejects: outbox is not a regular file; evcred will not write over it"],
  },
];

const TEMPLATES: Case[] = [
  {
    name: "a tag never closed",
    files: { "templates/unclosed.eta": `${TEMPLATE_HEAD}<%= it.first_name\n${GOOD_BODY}` },
    argv: ["template", "check", "unclosed"],
    code: 2,
    says: [
      "templates/unclosed.eta:4: this tag is not closed with %> before the next one opens",
      "hint: tags are <%= value %>",
    ],
  },
  {
    name: "a JavaScript syntax error",
    files: { "templates/syntax.eta": `${TEMPLATE_HEAD}Hi\n<% const = 1 %>\n${GOOD_BODY}` },
    argv: ["send", "--template", "syntax", "--yes"],
    code: 2,
    says: ["templates/syntax.eta:5: Unexpected token '='"],
  },
  {
    name: "a parenthesis left open",
    files: {
      "templates/paren.eta": `${TEMPLATE_HEAD}<% if (it.first_name { %>x<% } %>\n${GOOD_BODY}`,
    },
    argv: ["template", "check", "paren"],
    code: 2,
    says: ["templates/paren.eta:4: a `(` in this tag is never closed"],
  },
  {
    name: "an unknown variable, one letter off",
    files: { "templates/typo.eta": `${TEMPLATE_HEAD}<%= it.user_email %> <%= it.user_passs %>\n` },
    argv: ["send", "--template", "typo", "--yes"],
    code: 2,
    says: [
      "templates/typo.eta:4: unknown variable it.user_passs (did you mean it.user_pass?)",
      "hint: variables:",
    ],
  },
  {
    name: "an unknown variable in the subject",
    files: { "templates/deep.eta": `---\nsubject: Hi <%= it.nope.deep %>\n---\n${GOOD_BODY}` },
    argv: ["preview", "deep"],
    code: 2,
    says: ["templates/deep.eta:2: unknown variable it.nope"],
  },
  {
    name: "no front-matter block",
    files: { "templates/nofront.eta": `Hello ${GOOD_BODY}` },
    argv: ["send", "--template", "nofront", "--yes"],
    code: 2,
    says: [
      "templates/nofront.eta:1: expected a front-matter block (---) first",
      "hint: a template starts",
    ],
  },
  {
    name: "a misspelt front-matter key",
    files: { "templates/subjct.eta": `---\nsubjct: Hi\n---\n${GOOD_BODY}` },
    argv: ["template", "check", "subjct"],
    code: 2,
    says: ['templates/subjct.eta:2: unknown front-matter key "subjct" (did you mean subject?)'],
  },
  {
    name: "a front-matter block with no subject",
    files: { "templates/nosubject.eta": `---\n---\n${GOOD_BODY}` },
    argv: ["template", "check", "nosubject"],
    code: 2,
    says: ["templates/nosubject.eta:1: the front-matter block has no subject"],
  },
  {
    name: "an HTML body without it.user_email",
    files: {
      "templates/halfhtml.eta": `${TEMPLATE_HEAD}${GOOD_BODY}`,
      "templates/halfhtml.html.eta": "<p><%= it.user_pass %></p>\n",
    },
    argv: ["send", "--template", "halfhtml", "--yes"],
    code: 2,
    says: [
      'template "halfhtml" cannot carry credentials: it.user_email is missing from the HTML body (templates/halfhtml.html.eta)',
    ],
  },
  {
    name: "a syntax error in the HTML body only",
    files: {
      "templates/badhtml.eta": `${TEMPLATE_HEAD}${GOOD_BODY}`,
      "templates/badhtml.html.eta": "<p><%= it.user_email %> <%= it.user_pass %></p>\n<% if ( %>\n",
    },
    argv: ["send", "--template", "badhtml", "--yes"],
    code: 2,
    says: ["templates/badhtml.html.eta:2: a `(` in this tag is never closed"],
  },
  {
    name: "a missing custom field, found by template check",
    files: { "templates/field.eta": `${TEMPLATE_HEAD}${GOOD_BODY}<%= it.fields.missing.x %>\n` },
    argv: ["template", "check", "field"],
    code: 2,
    says: [
      "templates/field.eta:5: Cannot read properties of undefined (reading 'x') — for 3 of 3 attendees of summit",
    ],
  },
  {
    name: "a template that is not UTF-8",
    files: {
      "templates/latin.eta": Buffer.concat([
        Buffer.from("---\nsubject: Caf"),
        Buffer.of(0xe9),
        Buffer.from(`\n---\n${GOOD_BODY}`),
      ]),
    },
    argv: ["template", "check", "latin"],
    code: 2,
    says: ["templates/latin.eta:2: not UTF-8 text", "hint: save the template as UTF-8"],
  },
  {
    name: "the resend template lost it.user_pass after it was linked",
    files: { "templates/mine.eta": `${TEMPLATE_HEAD}${GOOD_BODY}` },
    prepare: async (b) => {
      expect((await b.run(["template", "link", "resend", "mine"])).code).toBe(0);
      b.file("templates/mine.eta", `${TEMPLATE_HEAD}Your login: <%= it.user_email %>\n`);
    },
    argv: ["resend", "ada@example.com"],
    code: 2,
    says: ['template "mine" cannot carry credentials: it.user_pass is missing from the text body'],
  },
  {
    name: "reset-code --send with a broken reset template: no code is reset",
    files: { "templates/mine.eta": `${TEMPLATE_HEAD}${GOOD_BODY}` },
    prepare: async (b) => {
      expect((await b.run(["template", "link", "reset", "mine"])).code).toBe(0);
      b.file("templates/mine.eta", `${TEMPLATE_HEAD}<% if ( %>\n${GOOD_BODY}`);
    },
    argv: ["reset-code", "ada@example.com", "--generate", "--send", "--yes"],
    code: 2,
    says: ["templates/mine.eta:4: a `(` in this tag is never closed"],
  },
  {
    name: "a template that does not exist",
    argv: ["preview", "nope"],
    code: 2,
    says: ['no template "nope"', "hint: known templates: code-reset, credentials, reminder"],
  },
];

const FLAGS: Case[] = [
  ...(
    [
      ["--rate", "fast", '--rate: expected messages per second, minute or hour, e.g. "10/s"'],
      ["--rate", "0", "--rate: must be above 0"],
      ["--rate", "10/m", "--rate: expected messages per second"],
      ["--rate", "20000", "--rate: must be at most 10000"],
      ["--limit", "0", "--limit: must be at least 1"],
      ["--limit", "1.5", "--limit: expected a whole number"],
      ["--limit", "ten", "--limit: expected a whole number"],
      ["--test-to", "not-an-email", "--test-to: expected an email address"],
    ] as const
  ).map(([flag, value, says]): Case => ({
    name: `send ${flag} ${value}`,
    argv: ["send", "--template", "credentials", flag, value, "--yes"],
    code: 2,
    says: [says],
  })),
  {
    name: "send --all --to-unsent",
    argv: ["send", "--template", "credentials", "--all", "--to-unsent", "--yes"],
    code: 2,
    says: ["--all: --all and --to-unsent exclude each other"],
  },
  {
    name: "send without --template",
    argv: ["send", "--yes"],
    code: 2,
    says: ["--template: which template to send?", "hint: e.g. --template credentials"],
  },
  {
    name: "an unknown --event",
    argv: ["send", "--template", "credentials", "--event", "nope", "--yes"],
    code: 2,
    says: ['no event "nope"', "hint: known events: summit"],
  },
  ...(
    [
      ["--code-length", "7", "--code-length: must be at least 8"],
      ["--code-length", "33", "--code-length: must be at most 32"],
      ["--starts-at", "tomorrow", '--starts-at: "tomorrow" is not an ISO date or date-time'],
      ["--login-url", "ftp://venue.example.com", "--login-url: expected an http(s) URL"],
      ["--slug", "Bad Slug", "--slug: a slug is lower-case letters, digits and dashes"],
      ["--from", "not an address", "--from: expected an address"],
    ] as const
  ).map(([flag, value, says]): Case => ({
    name: `event create ${flag} ${value}`,
    argv: ["event", "create", "Expo", flag, value],
    code: 2,
    says: [says],
  })),
  {
    name: "event update --from with a header injection",
    argv: ["event", "update", "--from", "a@b.example\r\nBcc: victim@example.com"],
    code: 2,
    says: ["--from: expected an address"],
  },
  {
    name: "attendees list --status weird",
    argv: ["attendees", "list", "--status", "weird"],
    code: 2,
    says: ["--status: expected one of: unsent, sent, failed, logged-in"],
  },
  {
    name: "reset-code --generate --code",
    argv: ["reset-code", "ada@example.com", "--generate", "--code", "ABCDEFGHJK"],
    code: 2,
    says: ["--generate and --code exclude each other; pass one"],
  },
  {
    name: "reset-code --code that is too short (and never echoed)",
    argv: ["reset-code", "ada@example.com", "--code", "Zq-Wx7", "--yes"],
    code: 2,
    says: ["--code: a code must have 8 to 32 letters and digits (it has 5)"],
    never: ["Zq-Wx7", "ZQWX7"],
  },
  {
    name: "reset-code for an email that is not an attendee",
    argv: ["reset-code", "nobody@example.com", "--generate", "--yes"],
    code: 2,
    says: ["no attendee nobody@example.com in summit"],
  },
  {
    name: "resend to a malformed email",
    argv: ["resend", "ada@@example.com"],
    code: 2,
    says: [
      "no attendee ada@@example.com in summit",
      "hint: did you mean: ada@example.com (Ada Lovelace)",
    ],
  },
  {
    name: "an unknown option",
    argv: ["send", "--template", "credentials", "--frobnicate"],
    code: 2,
    says: ["unknown option '--frobnicate'"],
    commander: true,
  },
  {
    name: "verify without the code, and nothing on stdin",
    argv: ["verify", "ada@example.com"],
    stdin: "",
    code: 2,
    says: ["CODE: stdin is empty; pipe the code in", "hint: or run it on a terminal"],
  },
  {
    name: "--db pointing at a folder",
    argv: ["--db", "outbox", "event", "list"],
    code: 2,
    says: ["outbox is a folder, not a workspace file", "hint: point --db / EVCRED_DB at a file"],
  },
  {
    name: "log --since yesterday",
    argv: ["log", "--since", "yesterday"],
    code: 2,
    says: ['--since: "yesterday" is neither an ISO date/time nor a duration'],
  },
  {
    name: "preview --html into a folder that does not exist",
    argv: ["preview", "credentials", "--html", "nowhere/p.html"],
    code: 2,
    says: [
      "--html: cannot write",
      "nowhere/p.html: the folder ",
      "/nowhere does not exist (ENOENT)",
    ],
  },
  {
    name: "template link to an unknown action",
    argv: ["template", "link", "remind", "credentials"],
    code: 2,
    says: ['unknown action "remind"', "hint: one of: resend, reset"],
  },
];

const ENVIRONMENT: Case[] = [
  ...(
    [
      ["no host", `smtp://organizer:${SECRET}@`, "(not a URL): smtp://organizer@…"],
      [
        "no scheme",
        `organizer:${SECRET}@mail.example.com`,
        "(the scheme must be smtp:// or smtps://): …",
      ],
      [
        "a slash in the password",
        `smtp://organizer:hun/ter2@mail.example.com`,
        "(not a URL): smtp://organizer@…",
      ],
      [
        "an http scheme",
        `http://organizer:${SECRET}@mail.example.com`,
        "(the scheme must be smtp:// or smtps://): http://organizer@…",
      ],
      [
        "a port out of range",
        `smtp://organizer:${SECRET}@mail.example.com:99999`,
        "(not a URL): smtp://organizer@…",
      ],
      ["the password where the port goes", `smtp://organizer:${SECRET}`, "(not a URL): smtp://…"],
      [
        "a password of digits and a slash, which parses as host:port and a path",
        "smtp://localhost:2024/Summer!@smtp.example.com:587",
        "(a path after the host; write a / ? or # in the user or password as %2F %3F %23): smtp://localhost@…",
      ],
      [
        "a user and password that look like a host and port",
        "smtp://relay.example.com:2024@smtp.example.com:587",
        "(the user and password look like a host and port; write a : in the password as %3A): smtp://relay.example.com@…",
      ],
      [
        "a bad % escape",
        `smtp://organizer:${SECRET}%zz@mail.example.com`,
        "(a bad % escape in the user or password; write a % itself as %25): smtp://organizer@…",
      ],
      [
        "a % escape that is not UTF-8",
        `smtp://organizer:${SECRET}%ff@mail.example.com`,
        "(a bad % escape in the user or password; write a % itself as %25): smtp://organizer@…",
      ],
    ] as const
  ).map(([what, url, says]): Case => ({
    name: `EVCRED_SMTP_URL with ${what}: the password is never echoed`,
    argv: ["send", "--template", "credentials", "--all", "--yes"],
    env: { EVCRED_SMTP_URL: url },
    code: 2,
    says: [`EVCRED_SMTP_URL is not valid ${says}`, "hint: use smtp://user:pass@host:587"],
    never: [SECRET, "hun/ter2", "ter2@", "Summer", "2024", "mail.example.com", "URIError"],
  })),
  {
    name: "doctor with a malformed EVCRED_SMTP_URL: a failed check, the password never echoed",
    argv: ["doctor"],
    env: { EVCRED_SMTP_URL: `smtp://organizer:${SECRET}@` },
    code: 1,
    says: [],
    never: [SECRET],
    report: (json) => {
      const { checks } = json as { checks: { name: string; ok: boolean; detail: string }[] };
      expect(checks.find((c) => c.name === "mail transport")).toMatchObject({
        ok: false,
        detail: "EVCRED_SMTP_URL is not valid (not a URL): smtp://organizer@…",
      });
    },
  },
  {
    name: "doctor with the password read as host:port and a path: refused, never printed or dialled",
    argv: ["doctor"],
    env: { EVCRED_SMTP_URL: "smtp://localhost:2024/Summer!@smtp.example.com:587" },
    code: 1,
    says: [],
    never: ["Summer", "2024", "smtp.example.com"],
    report: (json) => {
      const { checks } = json as { checks: { name: string; ok: boolean; detail: string }[] };
      expect(checks.find((c) => c.name === "mail transport")).toMatchObject({
        ok: false,
        detail:
          "EVCRED_SMTP_URL is not valid (a path after the host; write a / ? or # in the user or password as %2F %3F %23): smtp://localhost@…",
      });
    },
  },
  {
    name: "reset-code --send with a malformed EVCRED_SMTP_URL: no code is reset",
    argv: ["reset-code", "ada@example.com", "--generate", "--send", "--yes"],
    env: { EVCRED_SMTP_URL: `smtps://organizer:${SECRET}@` },
    code: 2,
    says: ["EVCRED_SMTP_URL is not valid (not a URL): smtps://organizer@…"],
    never: [SECRET],
  },
  {
    name: "reset-code --send with EVCRED_SMTP_RETRY_MS=-5: no code is reset",
    argv: ["reset-code", "ada@example.com", "--generate", "--send", "--yes"],
    env: { EVCRED_SMTP_RETRY_MS: "-5" },
    code: 2,
    says: ['EVCRED_SMTP_RETRY_MS must be a whole number above 0, got "-5"'],
  },
  {
    name: "EVCRED_SMTP_TIMEOUT_MS=abc",
    argv: ["send", "--template", "credentials", "--all", "--yes"],
    env: { EVCRED_SMTP_TIMEOUT_MS: "abc" },
    code: 2,
    says: ['EVCRED_SMTP_TIMEOUT_MS must be a whole number above 0, got "abc"'],
  },
  {
    name: "EVCRED_SMTP_CONNECTIONS=0",
    argv: ["resend", "ada@example.com"],
    env: { EVCRED_SMTP_CONNECTIONS: "0" },
    code: 2,
    says: ['EVCRED_SMTP_CONNECTIONS must be a whole number above 0, got "0"'],
  },
  {
    name: "EVCRED_ARGON2 malformed, importing into a new event: the event is not created",
    files: { "new.csv": "email\nnew@example.com\n" },
    argv: ["import", "new.csv", "--event", "expo", "--yes"],
    env: { EVCRED_ARGON2: "m=abc" },
    code: 2,
    says: ['EVCRED_ARGON2 is not valid: "m=abc"', "hint: use e.g."],
  },
  {
    name: "EVCRED_ARGON2 with t=0, resetting a code",
    argv: ["reset-code", "ada@example.com", "--generate", "--yes"],
    env: { EVCRED_ARGON2: "t=0" },
    code: 2,
    says: ['EVCRED_ARGON2 is not valid: "t=0"'],
  },
  {
    name: "EVCRED_OUTBOX pointing at a file",
    files: { "a-file": "not a folder" },
    argv: ["send", "--template", "credentials", "--all", "--yes"],
    env: { EVCRED_OUTBOX: "a-file" },
    code: 1,
    says: ["cannot send through outbox folder", "a-file is a file, not a folder (EVCRED_OUTBOX)"],
  },
  {
    name: "EVCRED_KEY_FILE pointing at a folder",
    argv: ["resend", "ada@example.com"],
    env: { EVCRED_KEY_FILE: "outbox" },
    code: 1,
    says: ["master key", "outbox is not a file"],
  },
  {
    name: "EVCRED_DB in a folder that does not exist",
    argv: ["init"],
    env: { EVCRED_DB: "nowhere/evcred.db" },
    code: 2,
    says: ["cannot create the workspace", "nowhere/evcred.db: folder", "does not exist"],
  },
  {
    name: "EVCRED_EVENT naming no event",
    argv: ["attendees", "list"],
    env: { EVCRED_EVENT: "nope" },
    code: 2,
    says: ['no event "nope"', "hint: known events: summit"],
  },
];

/** Every file of the folder, recursively, with its size and mode: nothing may appear or change. */
function files(dir: string, under = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, under)).sort()) {
    const rel = join(under, name);
    const stats = statSync(join(dir, rel));
    if (stats.isDirectory()) Object.assign(out, { [rel]: "<folder>" }, files(dir, rel));
    else out[rel] = `${stats.size} ${(stats.mode & 0o777).toString(8)}`;
  }
  return out;
}

function expectSaysInOrder(stderr: string, says: readonly string[]): void {
  let rest = stderr;
  for (const text of says) {
    const at = rest.indexOf(text);
    expect(at, `stderr ${JSON.stringify(stderr.slice(0, 2_000))} should say ${text}`).not.toBe(-1);
    rest = rest.slice(at + text.length);
  }
}

function expectNever(result: RunResult, never: readonly string[]): void {
  for (const text of [...never, ...codes]) {
    expect(result.stdout).not.toContain(text);
    expect(result.stderr).not.toContain(text);
  }
}

const CORPUS = [
  ...CSV.map((c) => ({ ...c, name: `csv: ${c.name}` })),
  ...TEMPLATES.map((c) => ({ ...c, name: `template: ${c.name}` })),
  ...FLAGS.map((c) => ({ ...c, name: `flag: ${c.name}` })),
  ...ENVIRONMENT.map((c) => ({ ...c, name: `environment: ${c.name}` })),
];

describe("the bad-input corpus", () => {
  it("has at least 40 cases", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CORPUS)("$name → exit $code, nothing changed", async (c) => {
    const b = bench();
    await b.copyFrom(seed);
    for (const [name, content] of Object.entries(c.files ?? {})) b.file(name, content);
    await c.prepare?.(b);
    const before = { tables: await b.snapshot(), files: files(b.dir) };

    const input = c.stdin === undefined ? {} : { stdin: c.stdin };
    const plain = await b.run(c.argv, { env: c.env ?? {}, ...input });
    expect(plain.code, plain.stderr.slice(0, 2_000)).toBe(c.code);
    expectSaysInOrder(plain.stderr, c.says);
    if (!c.report) expect(plain.stdout).toBe("");
    // Said in a few lines, however big the input was.
    expect(plain.stderr.length).toBeLessThan(2_000);
    expectNever(plain, c.never ?? []);

    const json = await b.run([...c.argv, "--json"], { env: c.env ?? {}, ...input });
    expect(json.code).toBe(c.code);
    expectNever(json, c.never ?? []);
    if (c.report) c.report(json.json());
    else if (c.commander) {
      // commander found it: the same message, still as one JSON document on stdout.
      const { error } = json.json<{ error: { message: string; exitCode: number } }>();
      expect(error.exitCode).toBe(c.code);
      for (const text of c.says) expect(error.message).toContain(text);
    } else {
      // The same error as on stderr, as one JSON document.
      const { error } = json.json<{ error: { message: string; exitCode: number } }>();
      expect(error.exitCode).toBe(c.code);
      const line = /^error: (.*)$/m.exec(plain.stderr.split("\nerror: ").at(-1) ?? "");
      expect(`error: ${error.message}`).toContain(
        (line?.[1] ?? plain.stderr.split("\nerror: ").at(-1) ?? "").split("\n")[0] ?? "",
      );
    }

    expect(await b.snapshot()).toEqual(before.tables);
    expect(files(b.dir)).toEqual(before.files);
  });
});
