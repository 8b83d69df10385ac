/**
 * `stats --watch` on a real pseudo-terminal: drawn, drawn again 2 s later from the top of the
 * screen with the logins made meanwhile, and ended by a Ctrl-C typed into the terminal with
 * exit 0 and the cursor shown again. The logins are real `evcred verify` runs, at the real time.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { attendeeCsv } from "../helpers/faults.js";
import { openCode } from "../helpers/codes.js";
import { plain, startEvcredOnPty, startOnPty, waitForOutput } from "../helpers/pty.js";
import { BIN, runBin } from "../helpers/spawn.js";
import { TEST_ARGON2 } from "../helpers/workspace.js";

const folders: string[] = [];
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function workspace(): Promise<{
  dir: string;
  env: NodeJS.ProcessEnv;
  code: () => Promise<string>;
}> {
  const dir = mkdtempSync(join(tmpdir(), "evcred-watch-"));
  folders.push(dir);
  const env = {
    HOME: dir,
    EVCRED_KEY_FILE: join(dir, "master.key"),
    EVCRED_ARGON2: TEST_ARGON2,
    EVCRED_ACTOR: "tester",
  };
  const run = async (args: string[]) => {
    const r = await runBin(args, { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
  };
  await run(["event", "create", "Summit 2026", "--timezone", "Europe/Madrid"]);
  const csv = join(dir, "attendees.csv");
  writeFileSync(csv, attendeeCsv(3));
  await run(["import", csv, "--event", "summit-2026", "--yes"]);
  return {
    dir,
    env,
    code: async () => openCode(join(dir, "evcred.db"), env.EVCRED_KEY_FILE, EMAIL),
  };
}

const EMAIL = "person0@example.com";

/** The frames the terminal showed, each from its header on. */
function frames(output: string): string[] {
  const header = /^updated \d\d:\d\d \(Europe\/Madrid\)/;
  return plain(output)
    .split(/(?=updated \d\d:\d\d \()/)
    .filter((part) => header.test(part));
}

describe("stats --watch on a terminal", () => {
  it("redraws every 2 s with the new logins, and Ctrl-C ends it: exit 0, cursor shown", async () => {
    const { dir, env, code } = await workspace();
    const verify = await runBin(["verify", EMAIL, await code()], { cwd: dir, env });
    expect(verify.code, verify.stderr).toBe(0);
    const watch = startEvcredOnPty(["stats", "--watch"], { cwd: dir, env });
    await waitForOutput(watch, /peak 1, 1 in all/);
    // A second login while it watches: the next redraw counts it.
    expect((await runBin(["verify", EMAIL, await code()], { cwd: dir, env })).code).toBe(0);
    await waitForOutput(watch, /peak 2, 2 in all/, 10_000);
    watch.type("\x03");
    const result = await watch.done;
    expect(result.code, plain(result.output)).toBe(0);

    const drawn = frames(result.output);
    expect(drawn.length).toBeGreaterThanOrEqual(2);
    for (const frame of drawn) {
      expect(frame).toContain("logins by source: api 0, page 0, cli 1");
      expect(frame).toMatch(/logins per minute since \d\d:\d\d \(Europe\/Madrid\)/);
    }
    // Every frame starts at the top of the screen, cleared below: a redraw, not a scroll.
    expect(result.output.split("\x1b[H\x1b[J").length - 1).toBe(drawn.length);
    const output = result.output;
    expect(output.lastIndexOf("\x1b[?25h")).toBeGreaterThan(output.lastIndexOf("\x1b[?25l"));
    expect(output.lastIndexOf("\x1b[?25h")).toBeGreaterThan(output.lastIndexOf("\x1b[H\x1b[J"));
  }, 40_000);

  it("fits a narrow terminal: minutes grouped, no line wider than it", async () => {
    const { dir, env, code } = await workspace();
    expect((await runBin(["verify", EMAIL, await code()], { cwd: dir, env })).code).toBe(0);
    const line = [process.execPath, BIN, "stats", "--watch"].join(" ");
    const watch = startOnPty(`stty cols 40 rows 50; exec ${line}`, { cwd: dir, env });
    await waitForOutput(watch, /logins per 2 minutes since/);
    watch.type("\x03");
    const result = await watch.done;
    expect(result.code, plain(result.output)).toBe(0);
    const chart = plain(result.output)
      .split("\n")
      .filter((l) => /[│└]/.test(l));
    expect(chart.length).toBeGreaterThan(0);
    for (const l of chart) expect(l.length, l).toBeLessThanOrEqual(40);
  }, 40_000);
});
