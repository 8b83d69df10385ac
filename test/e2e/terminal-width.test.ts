/**
 * On a real pseudo-terminal (util-linux `script`): a table takes the terminal's width, read
 * from stdout as the shell sized it, and cuts with … rather than wrapping.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { BIN, runBin } from "../helpers/spawn.js";
import { benchPerTest } from "../helpers/workspace.js";

const bench = benchPerTest();
const hasScript = spawnSync("script", ["--version"]).status === 0;

function onTerminal(cols: number, args: string, cwd: string, env: NodeJS.ProcessEnv): string {
  const shell = `stty cols ${cols} rows 24; '${process.execPath}' '${BIN}' ${args}`;
  const result = spawnSync("script", ["-qec", shell, "/dev/null"], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
  // eslint-disable-next-line no-control-regex -- removing the terminal's escape sequences
  return result.stdout.replace(/\u001b\[[0-9;]*m/g, "").replace(/\r/g, "");
}

describe.skipIf(!hasScript)("tables on a real terminal", () => {
  it("fit its width", async () => {
    const b = bench();
    b.file(
      "a.csv",
      "email,first_name,last_name\nkatherine.johnson@nasa.example.gov,Katherine,Johnson-Goble\n",
    );
    const imported = await runBin(["import", "a.csv", "--event", "ev", "--yes"], {
      cwd: b.dir,
      env: b.env,
    });
    expect(imported.code, imported.stderr).toBe(0);
    const narrow = onTerminal(32, "attendees list", b.dir, b.env).trimEnd().split("\n");
    expect(narrow[0]).toMatch(/^EMAIL +NAME +STATUS$/);
    expect(narrow[1]).toMatch(/^katherine\S*… +Katherine… +unsent$/);
    for (const line of narrow.slice(0, 2)) expect(line.length).toBeLessThanOrEqual(32);
    const wide = onTerminal(120, "attendees list", b.dir, b.env);
    expect(wide).toContain("katherine.johnson@nasa.example.gov  Katherine Johnson-Goble  unsent");
  });

  it("stats draws its bars within the width", async () => {
    const b = bench();
    b.file("a.csv", "email\nada@example.com\ngrace@example.com\n");
    const imported = await runBin(["import", "a.csv", "--event", "ev", "--yes"], {
      cwd: b.dir,
      env: b.env,
    });
    expect(imported.code, imported.stderr).toBe(0);
    const narrow = onTerminal(40, "stats", b.dir, b.env).trimEnd().split("\n");
    expect(narrow[1]).toMatch(/^registered +█+ +2$/);
    for (const line of narrow) expect(line.length).toBeLessThanOrEqual(40);
    const wide = onTerminal(120, "stats", b.dir, b.env);
    expect(wide).toContain(`registered  ${"█".repeat(30)}  2`);
  });
});
