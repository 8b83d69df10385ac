/**
 * The long commands on a real terminal (a pseudo-terminal from util-linux `script`), where their
 * progress bars are drawn: without one every test ran bar-less, and a bar that crashed every
 * command on a terminal went unnoticed. Exit 0 with the bar drawn to its end; Ctrl-C typed into
 * the terminal stops a send, an import or a reset of all codes cleanly, with a truthful account
 * of what was done and what is left.
 */
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { attendeeCsv, inspect } from "../helpers/faults.js";
import {
  barsDrawn,
  plain,
  runEvcredOnPty,
  startEvcredOnPty,
  startOnPty,
  waitForOutput,
  type PtyResult,
} from "../helpers/pty.js";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";
import { TEST_ARGON2 } from "../helpers/workspace.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const folders: string[] = [];
const servers: TestSmtp[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), "evcred-pty-"));
  folders.push(dir);
  // No NO_COLOR: the terminal gets what a person's terminal gets.
  return { dir, env: { HOME: dir, EVCRED_ARGON2: TEST_ARGON2, EVCRED_ACTOR: "tester" } };
}

/** The last bar drawn for `label` reached its total, and that total is `total`. */
function expectBarFinished(result: PtyResult, label: string, total: number): void {
  const bars = barsDrawn(result.output, label);
  expect(bars.length, plain(result.output)).toBeGreaterThan(0);
  expect(bars.at(-1)).toEqual({ value: total, total });
}

function emlFiles(dir: string): string[] {
  return readdirSync(join(dir, "outbox")).filter((f) => f.endsWith(".eml"));
}

function count(db: string, sql: string): number {
  return inspect(db, (sqlite) => (sqlite.prepare(sql).get() as { n: number }).n);
}

/** The bar was put away and the cursor shown again: the terminal is left as it was found. */
function expectTerminalRestored(result: PtyResult): void {
  const output = result.output;
  expect(output.lastIndexOf("\x1b[?25h")).toBeGreaterThan(output.lastIndexOf("\x1b[?25l"));
}

describe("on a terminal: the README's two commands", () => {
  it("npm run demo: init --sample, import with a bar, send with a bar; exit 0", async () => {
    const { dir, env } = folder();
    // The demo script runs bin/evcred.cjs from the package folder: a copy of package.json and
    // a link to bin/ make this temp folder that folder, so the demo's files land here.
    copyFileSync(join(ROOT, "package.json"), join(dir, "package.json"));
    symlinkSync(join(ROOT, "bin"), join(dir, "bin"));
    const demo = await startOnPty("npm run demo", {
      cwd: dir,
      env: { ...env, npm_config_update_notifier: "false", npm_config_cache: join(dir, ".npm") },
    }).done;
    expect(demo.code, plain(demo.output)).toBe(0);
    expect(plain(demo.output)).not.toMatch(/^(error|npm ERR)/im);
    expectBarFinished(demo, "hashing codes", 5);
    expectBarFinished(demo, "sending", 5);
    expect(plain(demo.output)).toContain("5 sent, 0 failed");
    expect(emlFiles(dir)).toHaveLength(5);
  });

  it("the demo's three commands, each on its own terminal", async () => {
    const { dir, env } = folder();
    const init = await runEvcredOnPty(["init", "--sample"], { cwd: dir, env });
    expect(init.code, plain(init.output)).toBe(0);
    const imported = await runEvcredOnPty(["import", "attendees.csv", "--event", "demo", "--yes"], {
      cwd: dir,
      env,
    });
    expect(imported.code, plain(imported.output)).toBe(0);
    expectBarFinished(imported, "hashing codes", 5);
    const sent = await runEvcredOnPty(
      ["send", "--template", "credentials", "--event", "demo", "--yes"],
      { cwd: dir, env },
    );
    expect(sent.code, plain(sent.output)).toBe(0);
    expectBarFinished(sent, "sending", 5);
    expect(emlFiles(dir)).toHaveLength(5);
  });
});

describe("on a terminal: the long commands draw their bars", () => {
  it("import of 300 rows, send to all 300 (outbox), reset-code --all --generate: exit 0, bars to the end", async () => {
    const { dir, env } = folder();
    writeFileSync(join(dir, "big.csv"), attendeeCsv(300));
    const imported = await runEvcredOnPty(["import", "big.csv", "--event", "big", "--yes"], {
      cwd: dir,
      env,
    });
    expect(imported.code, plain(imported.output)).toBe(0);
    expectBarFinished(imported, "hashing codes", 300);
    expect(plain(imported.output)).toContain("big: 300 new");

    const sent = await runEvcredOnPty(["send", "--template", "credentials", "--yes"], {
      cwd: dir,
      env,
    });
    expect(sent.code, plain(sent.output)).toBe(0);
    expectBarFinished(sent, "sending", 300);
    expect(barsDrawn(sent.output, "sending").length).toBeGreaterThan(1); // drawn as it went
    expect(emlFiles(dir)).toHaveLength(300);

    const reset = await runEvcredOnPty(["reset-code", "--all", "--generate", "--yes"], {
      cwd: dir,
      env,
    });
    expect(reset.code, plain(reset.output)).toBe(0);
    expectBarFinished(reset, "hashing codes", 300);
    expect(plain(reset.output)).toContain("300 attendees of big have new codes");
  });
});

describe("on a terminal: Ctrl-C", () => {
  it("during a long send (--rate, --limit): the messages in flight finish, exit 130, a true account and the command that finishes it", async () => {
    const { dir, env } = folder();
    const server = await startSmtp({});
    servers.push(server);
    writeFileSync(join(dir, "a.csv"), attendeeCsv(60));
    const setup = { cwd: dir, env };
    expect((await runEvcredOnPty(["import", "a.csv", "--event", "ev", "--yes"], setup)).code).toBe(
      0,
    );
    expect(
      (await runEvcredOnPty(["event", "update", "--from", "team@example.com"], setup)).code,
    ).toBe(0);
    const smtpEnv = { ...env, EVCRED_SMTP_URL: server.url };
    const send = startEvcredOnPty(
      ["send", "--template", "credentials", "--limit", "50", "--rate", "10/s", "--yes"],
      { cwd: dir, env: smtpEnv },
    );
    await waitForOutput(send, /^sending [█░]+ ([5-9]|\d\d)\/50 /m);
    send.type("\x03");
    const result = await send.done;
    const text = plain(result.output);
    expect(result.code, text).toBe(130);
    expectTerminalRestored(result);

    const sent = server.received.length;
    expect(sent).toBeGreaterThan(4);
    expect(sent).toBeLessThan(50);
    const db = join(dir, "evcred.db");
    expect(count(db, "SELECT count(*) AS n FROM deliveries WHERE status = 'sent'")).toBe(sent);
    expect(count(db, "SELECT count(*) AS n FROM deliveries WHERE status <> 'sent'")).toBe(0);
    // The whole truth: what went, what of this run did not, what the event still lacks, and
    // the command that finishes this run (the same one would send 50 more).
    expect(text).toContain(
      `interrupted: ${sent} sent, 0 failed, ${50 - sent} not sent yet; ${60 - sent} attendees still due credentials; ` +
        `to finish this run: evcred send --template credentials --event ev --limit ${50 - sent}`,
    );

    const finish = await runEvcredOnPty(
      ["send", "--template", "credentials", "--event", "ev", "--limit", String(50 - sent), "--yes"],
      { cwd: dir, env: smtpEnv },
    );
    expect(finish.code, plain(finish.output)).toBe(0);
    expect(server.received).toHaveLength(50);
    expect(new Set(server.received.map((m) => m.to)).size).toBe(50);
    expect(server.received.map((m) => m.to).sort()).toEqual(
      Array.from({ length: 50 }, (_, i) => `person${i}@example.com`).sort(),
    );
  });

  it("under --rate the bar's time left is the pace's, not that of the first message sent at once", async () => {
    const { dir, env } = folder();
    writeFileSync(join(dir, "a.csv"), attendeeCsv(5));
    const setup = { cwd: dir, env };
    expect((await runEvcredOnPty(["import", "a.csv", "--event", "ev", "--yes"], setup)).code).toBe(
      0,
    );
    // 6/min: one every 10 s, so 4 left after the first take 40 s.
    const send = startEvcredOnPty(
      ["send", "--template", "credentials", "--rate", "6/min", "--yes"],
      setup,
    );
    await waitForOutput(send, /^sending [█░]+ 1\/5 · .+ left/m);
    send.type("\x03");
    const result = await send.done;
    expect(result.code).toBe(130);
    const lefts = [...plain(result.output).matchAll(/^sending [█░]+ 1\/5 · (\d+)s left/gm)].map(
      (m) => Number(m[1]),
    );
    expect(lefts.length, plain(result.output)).toBeGreaterThan(0);
    for (const left of lefts) expect(left).toBeGreaterThanOrEqual(35);
  });

  it("during a long import: the batches committed stay, exit 130, says how many and that rerunning finishes", async () => {
    const { dir, env } = folder();
    writeFileSync(join(dir, "big.csv"), attendeeCsv(2500));
    // Dearer hashes, so that the import is still running when Ctrl-C comes.
    const slow = { ...env, EVCRED_ARGON2: "m=4096,t=2,p=1" };
    const run = startEvcredOnPty(["import", "big.csv", "--event", "big", "--yes"], {
      cwd: dir,
      env: slow,
    });
    // Past the first batch of 1,000: it is committed, the second is being hashed.
    await waitForOutput(run, /^hashing codes [█░]+ 1[1-4]\d\d\/2500 /m, 60_000);
    run.type("\x03");
    const result = await run.done;
    const text = plain(result.output);
    expect(result.code, text).toBe(130);
    expectTerminalRestored(result);
    // Hashing stopped inside the second batch instead of running on to its end.
    const last = barsDrawn(result.output, "hashing codes").at(-1);
    expect(last?.value).toBeLessThan(1800);
    const db = join(dir, "evcred.db");
    const committed = count(db, "SELECT count(*) AS n FROM attendees");
    expect(committed).toBe(1000);
    expect(text).toContain(
      "interrupted: 1000 of 2500 rows committed (1000 new, 0 updated, 0 unchanged), 1500 not imported yet; " +
        "to finish, rerun: evcred import big.csv --event big",
    );
    const hashes = inspect(db, (sqlite) =>
      sqlite.prepare("SELECT email, code_hash AS hash FROM attendees ORDER BY id").all(),
    );

    const rerun = await runEvcredOnPty(["import", "big.csv", "--event", "big", "--yes"], {
      cwd: dir,
      env,
    });
    expect(rerun.code, plain(rerun.output)).toBe(0);
    expect(plain(rerun.output)).toContain("big: 1500 new, 0 updated, 1000 unchanged");
    expect(count(db, "SELECT count(*) AS n FROM attendees")).toBe(2500);
    // Those committed before Ctrl-C kept their codes.
    expect(
      inspect(db, (sqlite) =>
        sqlite
          .prepare("SELECT email, code_hash AS hash FROM attendees ORDER BY id LIMIT 1000")
          .all(),
      ),
    ).toEqual(hashes);
  }, 120_000);
});

describe("on a terminal: Ctrl-C before anything is written", () => {
  it("during reset-code --all --generate: hashing stops, no code changed, exit 130, says all still hold theirs and how to reset them", async () => {
    const { dir, env } = folder();
    writeFileSync(join(dir, "big.csv"), attendeeCsv(2500));
    const setup = { cwd: dir, env };
    const imported = await runEvcredOnPty(["import", "big.csv", "--event", "big", "--yes"], setup);
    expect(imported.code, plain(imported.output)).toBe(0);
    const db = join(dir, "evcred.db");
    const codes = () =>
      inspect(db, (sqlite) =>
        sqlite
          .prepare("SELECT code_hash, code_sealed, code_fingerprint, code_version FROM attendees")
          .all(),
      );
    const before = codes();

    // Dearer hashes, so that the reset is still hashing when Ctrl-C comes.
    const run = startEvcredOnPty(["reset-code", "--all", "--generate", "--yes"], {
      cwd: dir,
      env: { ...env, EVCRED_ARGON2: "m=4096,t=2,p=1" },
    });
    // Past the first batch of 1,000 codes: hashed, but a reset of all commits nothing before the end.
    await waitForOutput(run, /^hashing codes [█░]+ 1[1-4]\d\d\/2500 /m, 60_000);
    run.type("\x03");
    const result = await run.done;
    const text = plain(result.output);
    expect(result.code, text).toBe(130);
    expectTerminalRestored(result);
    expect(barsDrawn(result.output, "hashing codes").at(-1)?.value).toBeLessThan(1800);
    expect(text).toContain(
      "interrupted: nothing changed, all 2500 attendees of big still hold their current codes (every code changes in one transaction, or none does); " +
        "to reset them, rerun: evcred reset-code --all --generate --event big",
    );
    expect(codes()).toEqual(before);

    const rerun = await runEvcredOnPty(
      ["reset-code", "--all", "--generate", "--event", "big", "--yes"],
      setup,
    );
    expect(rerun.code, plain(rerun.output)).toBe(0);
    expect(plain(rerun.output)).toContain("2500 attendees of big have new codes");
    expect(count(db, "SELECT count(*) AS n FROM attendees WHERE code_version = 2")).toBe(2500);
  }, 120_000);

  it("during an import's first pass (the check of the file): exit 130, says nothing was imported", async () => {
    const { dir, env } = folder();
    const file = join(dir, "huge.csv");
    writeFileSync(file, attendeeCsv(400_000));
    const run = startEvcredOnPty(["import", "huge.csv", "--event", "huge", "--yes"], {
      cwd: dir,
      env,
    });
    // Ctrl-C once evcred has begun reading the file, long before it has read it all.
    await waitFor(() => readingPosition(run.child.pid, file) > 0);
    run.type("\x03");
    const result = await run.done;
    const text = plain(result.output);
    expect(result.code, text).toBe(130);
    expect(text).toContain(
      "interrupted while checking huge.csv: nothing imported, nothing changed",
    );
    expect(text).not.toMatch(/hashing codes|created event/);
    const db = join(dir, "evcred.db");
    expect(count(db, "SELECT count(*) AS n FROM attendees")).toBe(0);
    expect(count(db, "SELECT count(*) AS n FROM events")).toBe(0);
  }, 60_000);
});

/** How far the child of `parent` (the command `script` runs) has read `file`; 0 before it opens it. */
function readingPosition(parent: number | undefined, file: string): number {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // ended meanwhile
    }
    // The fields after the parenthesised name: state, then the parent's pid.
    if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== parent) continue;
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== file) continue;
        const pos = /^pos:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"));
        if (pos) return Number(pos[1]);
      }
    } catch {
      continue;
    }
  }
  return 0;
}

async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
