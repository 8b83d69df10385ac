import { randomBytes } from "node:crypto";
import { chmodSync, readdirSync, readFileSync, statSync } from "node:fs";
import { lookAt } from "../helpers/look.js";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { groupCode } from "../../src/domain/codes.js";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();
let smtp: TestSmtp | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

async function imported(b: TestBench, csv = SAMPLE_CSV): Promise<void> {
  b.file("attendees.csv", csv);
  const r = await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"]);
  expect(r.code, r.stderr).toBe(0);
  const from = await b.run([
    "event",
    "update",
    "--from",
    "Summit Team <team@summit.example>",
    "--login-url",
    "https://venue.example.com/login",
  ]);
  expect(from.code, from.stderr).toBe(0);
}

async function withSmtp(
  b: TestBench,
  plan: Parameters<typeof startSmtp>[0] = {},
): Promise<TestSmtp> {
  smtp = await startSmtp(plan);
  Object.assign(b.env, {
    EVCRED_SMTP_URL: smtp.url,
    EVCRED_SMTP_RETRY_MS: "5",
    EVCRED_SMTP_TIMEOUT_MS: "1500",
  });
  return smtp;
}

async function deliveries(
  b: TestBench,
): Promise<{ email: string; status: string; attempts: number; response: string | null }[]> {
  return lookAt(
    b.db,
    "SELECT a.email, d.status, d.attempts, d.response FROM deliveries d JOIN attendees a ON a.id = d.attendee_id ORDER BY d.id",
  );
}

const EMAILS = ["ada@example.com", "grace@example.com", "alan@example.com"];

describe("evcred send into the outbox (no server configured)", () => {
  it("writes one .eml per attendee carrying their email and code, 0600 in a 0700 folder", async () => {
    const b = bench();
    await imported(b);
    const r = await b.run(["send", "--template", "credentials", "--yes", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ sent: 3, failed: [] });
    const outbox = b.path("outbox");
    expect(statSync(outbox).mode & 0o777).toBe(0o700);
    const files = readdirSync(outbox);
    expect(files).toHaveLength(3);
    for (const email of EMAILS) {
      const file = files.find((f) => f.includes(email));
      expect(file, email).toBeDefined();
      const path = join(outbox, file ?? "");
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const eml = readFileSync(path, "utf8");
      expect(eml).toContain(email);
      expect(eml).toContain(groupCode(await b.codeOf(email)));
    }
    for (const email of EMAILS)
      for (const text of b.transcript) expect(text).not.toContain(await b.codeOf(email));
  });

  it("is idempotent: a second run sends nothing", async () => {
    const b = bench();
    await imported(b);
    expect((await b.run(["send", "--template", "credentials", "--yes"])).code).toBe(0);
    const again = await b.run(["send", "--template", "credentials", "--yes", "--json"]);
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ sent: 0 });
    expect(readdirSync(b.path("outbox"))).toHaveLength(3);
  });

  it("needs --yes without a terminal, and sends nothing when refused", async () => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run(["send", "--template", "credentials"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--yes");
    const no = await b.run(["send", "--template", "credentials"], { tty: true, answers: [false] });
    expect(no.code).toBe(130);
    expect(await b.snapshot()).toEqual(before);
  });

  it("--dry-run renders everything, sends nothing and shows no code", async () => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run(["send", "--template", "credentials", "--dry-run", "--json"]);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ dryRun: true, recipients: EMAILS });
    expect(await b.snapshot()).toEqual(before);
    for (const email of EMAILS) expect(r.stdout + r.stderr).not.toContain(await b.codeOf(email));
  });

  it("refuses a template without user_pass before anything is sent", async () => {
    const b = bench();
    await imported(b);
    b.file(
      "templates/nocode.eta",
      "---\nsubject: Hello <%= it.first_name %>\n---\nYour login: <%= it.user_email %>\n",
    );
    const before = await b.snapshot();
    const r = await b.run(["send", "--template", "nocode", "--yes"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("user_pass");
    expect(await b.snapshot()).toEqual(before);
  });

  it("refuses to send with the wrong master key, before anything is sent", async () => {
    const b = bench();
    await imported(b);
    const other = b.file("other.key", randomBytes(32).toString("base64"));
    chmodSync(other, 0o600);
    const before = await b.snapshot();
    const r = await b.run(["send", "--template", "credentials", "--yes"], {
      env: { EVCRED_KEY_FILE: other },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not this workspace's key/);
    expect(await b.snapshot()).toEqual(before);
    // A dry run says so too, rather than passing where the real send would fail.
    const dry = await b.run(["send", "--template", "credentials", "--dry-run"], {
      env: { EVCRED_KEY_FILE: other },
    });
    expect(dry.code).toBe(1);
    expect(dry.stderr).toMatch(/not this workspace's key/);
    expect(await b.snapshot()).toEqual(before);
  });

  it("--limit sends at most N, and a reset attendee is due again", async () => {
    const b = bench();
    await imported(b);
    const first = await b.run([
      "send",
      "--template",
      "credentials",
      "--limit",
      "2",
      "--yes",
      "--json",
    ]);
    expect(first.json()).toMatchObject({ sent: 2 });
    const rest = await b.run(["send", "--template", "credentials", "--yes", "--json"]);
    expect(rest.json()).toMatchObject({ sent: 1 });
  });
});

describe("evcred send over SMTP", () => {
  it("delivers one message per attendee whose text and HTML carry the email and a code verify accepts", async () => {
    const b = bench();
    await imported(b);
    const server = await withSmtp(b);
    const r = await b.run(["send", "--template", "credentials", "--yes", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(server.received.map((m) => m.to).sort()).toEqual([...EMAILS].sort());
    for (const message of server.received) {
      const code = groupCode(await b.codeOf(message.to));
      expect(message.parsed.text).toContain(message.to);
      expect(message.parsed.text).toContain(code);
      expect(String(message.parsed.html)).toContain(code);
      expect(message.parsed.from?.text).toContain("team@summit.example");
      const typed = code.toLowerCase().replace(/-/g, " ");
      expect((await b.run(["verify", message.to, typed])).code).toBe(0);
    }
    expect((await deliveries(b)).every((d) => d.status === "sent")).toBe(true);
  });

  it("retries transient 4xx replies until the server takes the message", async () => {
    const b = bench();
    await imported(b);
    const server = await withSmtp(b, { rcpt: (_to, attempt) => (attempt <= 2 ? 450 : undefined) });
    const r = await b.run(["send", "--template", "credentials", "--yes", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(server.received).toHaveLength(3);
    for (const email of EMAILS) expect(server.attempts.get(email)).toBe(3);
    expect((await deliveries(b)).map((d) => d.attempts)).toEqual([3, 3, 3]);
  });

  it("fails a 550 recipient with the server's reply while the rest go out; a rerun retries only it", async () => {
    const b = bench();
    await imported(b);
    let refuse = true;
    const server = await withSmtp(b, {
      rcpt: (to) => (to === "grace@example.com" && refuse ? 550 : undefined),
    });
    const r = await b.run(["send", "--template", "credentials", "--yes", "--json"]);
    expect(r.code).toBe(3);
    const { failed: failures } = r.json<{ failed: { email: string; response: string }[] }>();
    expect(failures.map((f) => f.email)).toEqual(["grace@example.com"]);
    expect(failures[0]?.response).toMatch(/^550 /);
    expect(server.received.map((m) => m.to).sort()).toEqual([
      "ada@example.com",
      "alan@example.com",
    ]);
    expect(server.attempts.get("grace@example.com")).toBe(1);
    const failed = await b.run(["attendees", "list", "--status", "failed", "--json"]);
    expect(failed.json<{ attendees: { email: string }[] }>().attendees.map((a) => a.email)).toEqual(
      ["grace@example.com"],
    );
    refuse = false;
    const again = await b.run(["send", "--template", "credentials", "--yes", "--json"]);
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ sent: 1 });
    expect(server.received.map((m) => m.to).sort()).toEqual([...EMAILS].sort());
  });

  it("survives a connection dropped in the middle of DATA: retried, delivered once", async () => {
    const b = bench();
    await imported(b);
    const server = await withSmtp(b, {
      dropDuring: (to, attempt) => to === "alan@example.com" && attempt === 1,
    });
    const r = await b.run(["send", "--template", "credentials", "--yes", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(server.received.filter((m) => m.to === "alan@example.com")).toHaveLength(1);
    expect(server.received).toHaveLength(3);
  });

  it("times out on a server that stops answering, and retries", async () => {
    const b = bench();
    await imported(b);
    const server = await withSmtp(b, {
      hangDuring: (to, attempt) => to === "ada@example.com" && attempt === 1,
    });
    const r = await b.run(["send", "--template", "credentials", "--yes", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(server.received.filter((m) => m.to === "ada@example.com")).toHaveLength(1);
  });

  it("stops with one clear error when authentication is refused, marking nobody failed", async () => {
    const b = bench();
    await imported(b);
    await withSmtp(b, { auth: { user: "organizer", pass: "right" } });
    b.env.EVCRED_SMTP_URL = (b.env.EVCRED_SMTP_URL ?? "").replace("organizer@", "organizer:wrong@");
    const before = await b.snapshot();
    const r = await b.run(["send", "--template", "credentials", "--yes"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/authentication refused/i);
    expect(r.stderr).not.toContain("wrong");
    expect(await deliveries(b)).toEqual([]);
    expect((await b.snapshot()).deliveries).toEqual(before.deliveries);
  });

  it("asks for the password an SMTP URL leaves out, on a terminal only; without one it names where it goes", async () => {
    const b = bench();
    await imported(b);
    const server = await withSmtp(b, { auth: { user: "organizer", pass: "right" } });
    b.env.EVCRED_SMTP_URL = (b.env.EVCRED_SMTP_URL ?? "").replace(/\/\/[^@]*@/, "//organizer@");
    const before = await b.snapshot();
    const piped = await b.run(["send", "--template", "credentials", "--yes"]);
    expect(piped.code).toBe(2);
    expect(piped.stderr).toContain("SMTP password for organizer: no terminal to ask on");
    expect(piped.stderr).toContain("hint: pass the password inside EVCRED_SMTP_URL to answer it");
    expect((await b.snapshot()).deliveries).toEqual(before.deliveries);
    const asked = await b.run(["send", "--template", "credentials", "--yes"], {
      tty: true,
      answers: ["right"],
    });
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stderr).not.toContain("right");
    expect(server.received.length).toBeGreaterThan(0);
  });

  it("fails before claiming anyone when no server is there", async () => {
    const b = bench();
    await imported(b);
    const server = await withSmtp(b);
    await server.close();
    smtp = undefined;
    const r = await b.run(["send", "--template", "credentials", "--yes"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot send through smtp:\/\/127\.0\.0\.1/);
    expect(await deliveries(b)).toEqual([]);
  });

  it("strips CR/LF from header fields and escapes hostile names in HTML", async () => {
    const b = bench();
    await imported(
      b,
      'email,first_name,last_name\nmallory@example.com,"<script>alert(1)</script>","Evil\r\nBcc: victim@example.com"\n',
    );
    const server = await withSmtp(b);
    const r = await b.run(["send", "--template", "credentials", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    const [message] = server.received;
    expect(message?.parsed.bcc).toBeUndefined();
    expect(message?.raw).not.toMatch(/^Bcc:/m);
    expect(String(message?.parsed.html)).not.toContain("<script>");
    expect(String(message?.parsed.html)).toContain("&lt;script&gt;");
  });
});

describe("evcred resend", () => {
  it("refuses with the exact command to link a template when none is linked", async () => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run(["resend", "ada@example.com"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("evcred template link resend");
    expect(await b.snapshot()).toEqual(before);
  });

  it("sends the same code again with the linked template, even after a send", async () => {
    const b = bench();
    await imported(b);
    const server = await withSmtp(b);
    expect((await b.run(["template", "link", "resend", "credentials"])).code).toBe(0);
    expect((await b.run(["send", "--template", "credentials", "--yes"])).code).toBe(0);
    const r = await b.run(["resend", "ADA@example.com "]);
    expect(r.code, r.stderr).toBe(0);
    const toAda = server.received.filter((m) => m.to === "ada@example.com");
    expect(toAda).toHaveLength(2);
    const code = groupCode(await b.codeOf("ada@example.com"));
    for (const m of toAda) expect(m.parsed.text).toContain(code);
  });

  it("suggests close matches for an unknown email", async () => {
    const b = bench();
    await imported(b);
    await b.run(["template", "link", "resend", "credentials"]);
    const r = await b.run(["resend", "ada@exmaple.com"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("ada@example.com");
  });
});

describe("send checks everything before it asks", () => {
  async function withoutSender(b: TestBench): Promise<void> {
    b.file("attendees.csv", SAMPLE_CSV);
    const r = await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
  }

  it("an event without a sender, through SMTP: refused before the question, nothing claimed", async () => {
    const b = bench();
    await withoutSender(b);
    const server = await withSmtp(b);
    const before = await b.snapshot();
    const r = await b.run(["send", "--template", "credentials"], { tty: true, answers: [true] });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("error: event summit-2026 has no sender address");
    expect(r.stderr).toContain('evcred event update summit-2026 --from "Team <team@example.com>"');
    expect(b.questions).toEqual([]);
    expect(await b.snapshot()).toEqual(before);
    expect(server.received).toEqual([]);
  });

  it("a bad mail setting or a server that is not there: refused before the question", async () => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const bad = await b.run(["send", "--template", "credentials"], {
      tty: true,
      answers: [true],
      env: { EVCRED_SMTP_RETRY_MS: "soon" },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('EVCRED_SMTP_RETRY_MS must be a whole number above 0, got "soon"');

    const server = await withSmtp(b);
    await server.close();
    smtp = undefined;
    const gone = await b.run(["send", "--template", "credentials"], { tty: true, answers: [true] });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/cannot send through smtp:\/\/127\.0\.0\.1/);
    expect(b.questions).toEqual([]);
    expect(await b.snapshot()).toEqual(before);
  });

  it("a template that breaks where `template check` renders it: refused with file:line before the question", async () => {
    const b = bench();
    await withoutSender(b); // no login link either
    b.file(
      "templates/venue.eta",
      "---\nsubject: Your code\n---\n<%= it.user_email %> <%= it.user_pass %>\nGo to <%= it.event.login_url.replace('https://', '') %>\n",
    );
    const before = await b.snapshot();
    const r = await b.run(["send", "--template", "venue"], { tty: true, answers: [true] });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /^ {2}templates\/venue\.eta:5: .* — for 3 of 3 attendees due it in summit-2026: ada@example\.com/m,
    );
    expect(b.questions).toEqual([]);
    expect(await b.snapshot()).toEqual(before);
    expect(readdirSync(b.dir)).not.toContain("outbox");
  });

  it("asks once everything holds, then sends", async () => {
    const b = bench();
    await imported(b);
    const server = await withSmtp(b);
    const r = await b.run(["send", "--template", "credentials"], { tty: true, answers: [true] });
    expect(r.code, r.stderr).toBe(0);
    expect(b.questions).toEqual(["send credentials to 3 attendees of summit-2026 via SMTP?"]);
    expect(server.received).toHaveLength(3);
  });

  it("reset-code --send without a sender: refused before any code changes", async () => {
    const b = bench();
    await withoutSender(b);
    await withSmtp(b);
    expect((await b.run(["template", "link", "reset", "credentials"])).code).toBe(0);
    const before = await b.snapshot();
    for (const argv of [
      ["reset-code", "ada@example.com", "--generate", "--send", "--yes"],
      ["reset-code", "--all", "--generate", "--send", "--yes"],
    ]) {
      const r = await b.run(argv);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("event summit-2026 has no sender address");
    }
    expect(await b.snapshot()).toEqual(before);
  });
});

describe("an interrupted send says what is left", () => {
  const interrupted = (): AbortSignal => {
    const controller = new AbortController();
    controller.abort();
    return controller.signal;
  };

  it("--limit: the not sent of this run, the event's still due, and the command that finishes the run", async () => {
    const b = bench();
    await imported(b);
    const r = await b.run(
      ["send", "--template", "credentials", "--limit", "2", "--yes", "--json"],
      {
        interrupt: interrupted(),
      },
    );
    expect(r.code, r.stderr).toBe(130);
    expect(r.json()).toMatchObject({ sent: 0, notSent: 2, stillDue: 3, interrupted: true });
    expect(r.stderr).toContain(
      "interrupted: 0 sent, 0 failed, 2 not sent yet; 3 attendees still due credentials; " +
        "to finish this run: evcred send --template credentials --event summit-2026 --limit 2",
    );
  });

  it("--all: says that rerunning it would mail everyone again", async () => {
    const b = bench();
    await imported(b);
    expect((await b.run(["send", "--template", "credentials", "--yes"])).code).toBe(0);
    const r = await b.run(["send", "--template", "credentials", "--all", "--yes"], {
      interrupt: interrupted(),
    });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain(
      "interrupted: 0 sent, 0 failed, 3 not sent yet; 0 attendees still due credentials; " +
        "`evcred send --template credentials --event summit-2026` sends to those still due; with --all it sends to everyone again",
    );
  });
});
