/**
 * The long commands on a real terminal (a pseudo-terminal from util-linux `script`), where their
 * progress bars are drawn: without one every test ran bar-less, and a bar that crashed every
 * command on a terminal went unnoticed. Exit 0 with the bar drawn to its end; Ctrl-C typed into
 * the terminal stops a send or an import cleanly, with a truthful account of what was done.
 */
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { attendeeCsv } from "../helpers/faults.js";
import { barsDrawn, plain, runEvcredOnPty, startOnPty, type PtyResult } from "../helpers/pty.js";
import type { TestSmtp } from "../helpers/smtp.js";
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
    expect(plain(demo.output)).not.toMatch(/error/i);
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
