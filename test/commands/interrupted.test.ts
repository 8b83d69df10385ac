/**
 * Ctrl-C (the context's interrupt signal, aborted) where nothing has been written yet, or where
 * rerunning the same command would do harm: each says truly what was done, what is left and the
 * command that finishes it, and exits 130. The same on a real terminal: test/e2e/terminal.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { attendeeCsv } from "../helpers/faults.js";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();
let smtp: TestSmtp | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

function interrupted(): AbortSignal {
  const controller = new AbortController();
  controller.abort();
  return controller.signal;
}

async function imported(b: TestBench, csv = SAMPLE_CSV): Promise<void> {
  b.file("a.csv", csv);
  const r = await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
  expect(r.code, r.stderr).toBe(0);
}

describe("Ctrl-C during reset-code --all --generate", () => {
  it("while the codes are hashed: nobody's code changed, all still hold theirs, and the rerun that resets them", async () => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run(["reset-code", "--all", "--generate", "--yes"], {
      interrupt: interrupted(),
    });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain(
      "interrupted: nothing changed, all 3 attendees of ev still hold their current codes (every code changes in one transaction, or none does); " +
        "to reset them, rerun: evcred reset-code --all --generate --event ev",
    );
    expect(r.stderr).not.toContain("have new codes");
    expect(await b.snapshot()).toEqual(before);

    const json = await b.run(["reset-code", "--all", "--generate", "--yes", "--json"], {
      interrupt: interrupted(),
    });
    expect(json.code).toBe(130);
    expect(json.json()).toMatchObject({ error: { exitCode: 130 } });
    expect(await b.snapshot()).toEqual(before);
  });

  it("with --send, while the codes are hashed: the rerun it gives keeps --send", async () => {
    const b = bench();
    await imported(b);
    await b.run(["event", "update", "--from", "team@example.com"]);
    expect((await b.run(["template", "link", "reset", "code-reset"])).code).toBe(0);
    const before = await b.snapshot();
    const r = await b.run(["reset-code", "--all", "--generate", "--send", "--yes"], {
      interrupt: interrupted(),
    });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain(
      "to reset them, rerun: evcred reset-code --all --generate --send --event ev",
    );
    expect(await b.snapshot()).toEqual(before);
  });

  it("with --send, while the new codes are mailed: every code is new, and `send` (not a rerun, which would reset them again) mails the rest", async () => {
    const b = bench();
    await imported(b, attendeeCsv(30));
    await b.run(["event", "update", "--from", "team@example.com"]);
    expect((await b.run(["template", "link", "reset", "code-reset"])).code).toBe(0);
    const controller = new AbortController();
    // Ctrl-C once the first new code is on its way: the reset is committed by then.
    smtp = await startSmtp({
      rcpt: () => {
        controller.abort();
        return undefined;
      },
    });
    b.env.EVCRED_SMTP_URL = smtp.url;
    b.env.EVCRED_SMTP_CONNECTIONS = "1";
    const r = await b.run(["reset-code", "--all", "--generate", "--send", "--yes", "--json"], {
      interrupt: controller.signal,
    });
    expect(r.code, r.stderr).toBe(130);
    const sent = smtp.received.length;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(30);
    expect(r.json()).toMatchObject({
      reset: "30",
      sent,
      notSent: 30 - sent,
      stillDue: 30 - sent,
      interrupted: true,
    });
    expect(r.stderr).toContain("30 attendees of ev have new codes");
    expect(r.stderr).toContain(
      `interrupted: ${sent} sent, 0 failed, ${30 - sent} not sent yet; ${30 - sent} attendees still due code-reset; ` +
        "to send the rest: evcred send --template code-reset --event ev",
    );
    const versions = (await b.snapshot()).attendees as { code_version: number }[];
    expect(versions.map((a) => a.code_version)).toEqual(Array<number>(30).fill(2));

    const rest = await b.run(["send", "--template", "code-reset", "--event", "ev", "--yes"]);
    expect(rest.code, rest.stderr).toBe(0);
    expect(smtp.received).toHaveLength(30);
    expect(new Set(smtp.received.map((m) => m.to)).size).toBe(30);
    // Each got the code they hold now: the one the reset gave them.
    for (const m of smtp.received) {
      expect(m.parsed.text?.replace(/-/g, "")).toContain(await b.codeOf(m.to));
    }
  });
});

describe("Ctrl-C during an import's first pass (the check)", () => {
  it("nothing imported, no event created, says so; exit 130", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    for (const extra of [[], ["--dry-run"]]) {
      const r = await b.run(["import", "a.csv", "--event", "ev", "--yes", ...extra], {
        interrupt: interrupted(),
      });
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toContain(
        "interrupted while checking a.csv: nothing imported, nothing changed",
      );
      expect(r.stderr).not.toContain("created event");
    }
    const after = await b.snapshot();
    expect(after.attendees).toEqual([]);
    expect(after.events).toEqual([]);
    expect(after.audit_log).toEqual([]);
  });
});
