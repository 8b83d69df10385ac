/**
 * The privacy promise, end to end. One organizer's whole day — import, previews, a dry run, a
 * test message, the send (outbox, then SMTP), resend, resets (generated and chosen by the
 * organizer), verifications and a lockout, stats, the log, attendees, doctor, key show and
 * rotate, and errors with --json — with every stdout, stderr, JSON document and file evcred wrote
 * collected. No code appears anywhere in them, in any spelling, except inside the message that
 * delivers it to its own attendee. The database and its write-ahead log hold none, byte for
 * byte. Every file with attendee data is 0600, the outbox folder 0700.
 *
 * The organizer-chosen code was typed by the organizer on the command line: that is the only
 * place it may appear besides the attendee's message — evcred never echoes it, not even in the
 * error that refuses it.
 */
import Database from "better-sqlite3";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { groupCode, normalizeCode } from "../../src/domain/codes.js";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";
import { TestBench } from "../helpers/workspace.js";

const PASSWORD = "s3cret-smtp-pass";
const ORGANIZER_CODE = "HALL-WAY-2026-ZZ";
/** An organizer's chosen code given on stdin (`--code -`): in no argument, so in no output. */
const STDIN_CODE = "ZEPHYR-QUOKKA-5817";
const b = await TestBench.create();
let smtp: TestSmtp | undefined;
afterAll(async () => {
  await smtp?.close();
  await b.cleanup();
});

/**
 * Every spelling a code could leak in: as stored, grouped, lower case, with its look-alikes
 * folded (as it is hashed and fingerprinted), and (in files) as UTF-16.
 */
function spellings(code: string): string[] {
  const plain = code.replace(/-/g, "");
  const folded = normalizeCode(code);
  return [
    ...new Set(
      [plain, folded].flatMap((p) => [
        p,
        groupCode(p),
        p.toLowerCase(),
        groupCode(p).toLowerCase(),
      ]),
    ),
    code,
    code.toLowerCase(),
  ];
}

/** How the email shows a code: a chosen one as it was typed, a generated one in fours. */
function shown(code: string): string {
  return code.includes("-") ? code : groupCode(code);
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? allFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

describe("the privacy promise, end to end", () => {
  it("no code anywhere but in its own attendee's message; private files and folders", async () => {
    const codes = new Set<string>();
    const remember = async (email: string) => codes.add(await b.codeOf(email, "summit"));
    const ok = async (argv: string[], expected = 0, stdin?: string) => {
      const r = await b.run(argv, stdin === undefined ? {} : { stdin });
      expect(r.code, `${argv.join(" ")}: ${r.stderr}`).toBe(expected);
      if (argv.includes("--json")) expect(() => r.json(), argv.join(" ")).not.toThrow();
      return r;
    };

    await ok(["init", "--json"]);
    // A second connection keeps the write-ahead log alive: the last one to close would fold it.
    const keeper = new Database(b.dbPath);
    try {
      keeper.prepare("SELECT count(*) FROM meta").get();
      await ok([
        "event",
        "create",
        "Summit 2026",
        "--slug",
        "summit",
        "--from",
        "Summit <team@summit.example>",
        "--login-url",
        "https://venue.example.com/login",
        "--json",
      ]);
      const people = ["ada", "grace", "alan", "katherine", "linus"];
      b.file(
        "attendees.csv",
        [
          "email,first_name,last_name,company",
          ...people.map((p) => `${p}@example.com,${p},Test,=HYPERLINK("http://x")`),
          "not-an-email,Bad,Row,@SUM(1)",
        ].join("\n"),
      );
      await ok(
        [
          "import",
          "attendees.csv",
          "--event",
          "summit",
          "--yes",
          "--rejects",
          "rejected.csv",
          "--json",
        ],
        3,
      );
      for (const p of people) await remember(`${p}@example.com`);
      const ada = "ada@example.com";

      await ok(["attendees", "list", "--json"]);
      await ok(["attendees", "list"]);
      await ok(["attendees", "show", ada, "--json"]);
      await ok(["preview", "credentials", "--to", ada, "--json"]);
      await ok(["preview", "credentials", "--to", ada, "--html", "preview.html"]);
      await ok(["template", "check", "credentials", "--json"]);
      await ok(["send", "--template", "credentials", "--dry-run", "--json"]);
      await ok(["send", "--template", "credentials", "--test-to", "me@example.com", "--json"]);
      await ok(["send", "--template", "credentials", "--limit", "3", "--yes", "--json"]);

      smtp = await startSmtp({ auth: { user: "organizer", pass: PASSWORD } });
      Object.assign(b.env, {
        EVCRED_SMTP_URL: smtp.url.replace("organizer@", `organizer:${PASSWORD}@`),
        EVCRED_SMTP_RETRY_MS: "5",
      });
      await ok(["send", "--template", "credentials", "--yes", "--json"]);
      await ok(["template", "link", "resend", "credentials", "--json"]);
      await ok(["template", "link", "reset", "code-reset", "--json"]);
      await ok(["resend", ada, "--json"]);
      await ok(["reset-code", "grace@example.com", "--generate", "--send", "--yes", "--json"]);
      await remember("grace@example.com");
      await ok(["reset-code", "alan@example.com", "--code", ORGANIZER_CODE, "--yes", "--json"]);
      expect(await b.codeOf("alan@example.com", "summit")).toBe(ORGANIZER_CODE);
      await remember("alan@example.com");
      await ok(["send", "--template", "credentials", "--yes", "--json"]);
      await ok(["reset-code", "--all", "--generate", "--yes", "--json"]);
      for (const p of people) await remember(`${p}@example.com`);
      await ok(["send", "--template", "reminder", "--yes", "--json"]);

      const adaNow = await b.codeOf(ada, "summit");
      await ok(["verify", ada, groupCode(adaNow).toLowerCase(), "--json"]);
      await ok(["verify", ada, "WRONG-CODE-22", "--json"], 1);
      for (let i = 0; i < 5; i++) await ok(["verify", "linus@example.com", "ZZZZ-ZZZZ-ZZ"], 1);
      await ok(
        ["verify", "linus@example.com", await b.codeOf("linus@example.com", "summit"), "--json"],
        1,
      );
      await ok(["verify", "nobody@example.com", adaNow, "--json"], 1);
      // Errors that were handed a real code must not hand it back.
      await ok(["reset-code", "grace@example.com", "--code", adaNow, "--yes", "--json"], 2);
      await ok(["reset-code", ada, "--code", adaNow, "--yes", "--json"], 2);
      await ok(["resend", "nobody@example.com", "--json"], 2);
      // Codes read from stdin, as the README tells venues and organizers to give them: never
      // echoed, accepted or refused.
      await ok(["verify", ada, "--json"], 0, `${groupCode(adaNow).toLowerCase()}\n`);
      await ok(["verify", ada], 1, "WRONG-CODE-22\n");
      await ok(["verify", "nobody@example.com", "--json"], 1, `${adaNow}\n`);
      await ok(
        ["reset-code", "katherine@example.com", "--code", "-", "--yes", "--json"],
        0,
        `${STDIN_CODE}\n`,
      );
      expect(await b.codeOf("katherine@example.com", "summit")).toBe(STDIN_CODE);
      await remember("katherine@example.com");
      await ok(["reset-code", ada, "--code", "-", "--yes", "--json"], 2, `${STDIN_CODE}\n`);
      await ok(["reset-code", ada, "--code", "-", "--yes"], 2, "PASSWORD-2026\n");
      await ok(["reset-code", ada, "--code", "-", "--yes", "--json"], 2, `${adaNow}\n`);

      // The help desk: a locked attendee, a fixed email (re-sealed twice), the exports.
      await ok(["attendees", "show", "linus@example.com"]);
      await ok(["attendees", "list", "--status", "locked", "--json"]);
      await ok(["unlock", "linus@example.com", "--json"]);
      await ok(["attendees", "update", "linus@example.com", "--email", "linus.t@example.com"]);
      await ok(["attendees", "update", "linus.t@example.com", "--email", "linus@example.com"]);
      await ok(["attendees", "update", ada, "--field", "badge=speaker", "--json"]);
      await ok(["attendees", "export", "--output", "export.csv"]);
      await ok(["attendees", "export", "--json"]);
      await ok(["attendees", "export"]);
      await ok([
        "send",
        "--template",
        "reminder",
        "--audience",
        "not-logged-in",
        "--yes",
        "--json",
      ]);

      await ok(["stats", "--json"]);
      await ok(["stats"]);
      await ok(["log", "--json"]);
      await ok(["log", "--all-events"]);
      await ok(["attendees", "show", "alan@example.com"]);
      await ok(["doctor", "--json"]);
      await ok(["doctor"]);
      await ok(["key", "show", "--json"]);
      await ok(["key", "rotate", "--yes", "--json"]);
      await ok(["send", "--template", "reminder", "--all", "--limit", "1", "--yes", "--json"]);

      const everyCode = [...codes];
      expect(everyCode.length).toBeGreaterThanOrEqual(11);
      expect(codes).toContain(ORGANIZER_CODE);
      expect(codes).toContain(STDIN_CODE);

      // 1. Everything evcred said, on stdout and stderr, JSON included.
      const said = b.transcript.join("\n");
      for (const code of everyCode) {
        for (const text of spellings(code))
          expect(said, `${text} in the output`).not.toContain(text);
      }
      expect(said).not.toContain(PASSWORD);
      expect(said).not.toContain(ORGANIZER_CODE);
      for (const text of [...spellings(STDIN_CODE), "PASSWORD-2026", "password-2026"])
        expect(said, `${text} in the output`).not.toContain(text);
      // The SMTP URL is shown, rebuilt without its password.
      expect(said).toMatch(/smtp:\/\/organizer@127\.0\.0\.1:\d+/);

      // 2. Every file evcred wrote, byte by byte (UTF-16 too), but the delivered messages.
      const outbox = b.path("outbox");
      const files = allFiles(b.dir).filter((f) => !f.startsWith(outbox + "/"));
      expect(files.map((f) => relative(b.dir, f)).sort()).toEqual(
        expect.arrayContaining([
          "evcred.db",
          "evcred.db-wal",
          "evcred.db-shm",
          "master.key",
          "preview.html",
          "rejected.csv",
          "export.csv",
        ]),
      );
      for (const file of files) {
        const bytes = readFileSync(file);
        for (const code of everyCode) {
          for (const text of spellings(code)) {
            for (const needle of [Buffer.from(text), Buffer.from(text, "utf16le")]) {
              expect(bytes.includes(needle), `${text} in ${relative(b.dir, file)}`).toBe(false);
            }
          }
        }
        expect(bytes.includes(Buffer.from(PASSWORD)), relative(b.dir, file)).toBe(false);
        expect(bytes.includes(Buffer.from(ORGANIZER_CODE)), relative(b.dir, file)).toBe(false);
      }
      // The search works: the WAL does hold what is stored in the clear.
      expect(readFileSync(`${b.dbPath}-wal`).includes(Buffer.from("katherine@example.com"))).toBe(
        true,
      );

      // 3. Delivered messages carry their own attendee's code and nobody else's.
      const delivered: { to: string; text: string }[] = [
        ...readdirSync(outbox).map((f) => {
          const text = readFileSync(join(outbox, f), "utf8");
          return { to: /^To: .*?<?([\w.+-]+@[\w.-]+)>?$/m.exec(text)?.[1] ?? "", text };
        }),
        ...smtp.received.map((m) => ({ to: m.to, text: m.raw })),
      ];
      expect(delivered.length).toBeGreaterThanOrEqual(15);
      for (const message of delivered) {
        const carried = everyCode.filter((c) => message.text.includes(shown(c)));
        if (message.to === "me@example.com")
          expect(carried, "the test message is masked").toEqual([]);
        else expect(carried, message.to).toHaveLength(1);
      }
      // Each code went to one address only: its attendee's.
      const byCode = new Map<string, Set<string>>();
      for (const message of delivered) {
        for (const code of everyCode.filter((c) => message.text.includes(shown(c)))) {
          byCode.set(code, (byCode.get(code) ?? new Set()).add(message.to));
        }
      }
      for (const [code, to] of byCode) expect([...to], code.slice(0, 2)).toHaveLength(1);

      // 4. Private files and folders.
      for (const name of [
        "evcred.db",
        "evcred.db-wal",
        "evcred.db-shm",
        "master.key",
        "rejected.csv",
        "preview.html",
      ]) {
        expect(mode(b.path(name)).toString(8), name).toBe("600");
      }
      const old = readdirSync(b.dir).filter((f) => f.startsWith("master.key.old-"));
      expect(old).toHaveLength(1);
      expect(mode(b.path(old[0] ?? "")).toString(8)).toBe("600");
      expect(mode(outbox).toString(8)).toBe("700");
      for (const f of readdirSync(outbox)) expect(mode(join(outbox, f)).toString(8), f).toBe("600");

      // 5. The rejected rows came out neutralized: no cell a spreadsheet would run.
      for (const line of readFileSync(b.path("rejected.csv"), "utf8").split("\n")) {
        for (const cell of line.split(",")) expect(cell).not.toMatch(/^"?[=+\-@]/);
      }
    } finally {
      keeper.close();
    }
  }, 120_000);
});
