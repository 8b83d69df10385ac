/**
 * `bin/evcred.cjs` as a user's shell runs it: a fresh folder, NO_COLOR, real exit codes and
 * streams. dist/ is rebuilt from this source by the vitest global setup.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupCode } from "../../src/domain/codes.js";
import { BIN, runBin, type SpawnResult } from "../helpers/spawn.js";
import { openCode } from "../helpers/codes.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let dir = "";
let env: NodeJS.ProcessEnv = {};
const runs: SpawnResult[] = [];

async function evcred(...args: string[]): Promise<SpawnResult> {
  const result = await runBin(args, { cwd: dir, env });
  runs.push(result);
  return result;
}

/** Opens a sealed code through the vault's own API, as only the mailer may. */
async function codeOf(email: string): Promise<string> {
  return openCode(join(dir, "evcred.db"), env.EVCRED_KEY_FILE ?? "", email);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "evcred-e2e-"));
  env = {
    HOME: dir,
    NO_COLOR: "1",
    EVCRED_KEY_FILE: join(dir, "keys", "master.key"),
    EVCRED_ARGON2: "m=1024,t=1,p=1",
  };
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("bin/evcred.cjs", () => {
  it("--help lists the commands and exits 0", async () => {
    const help = await evcred("--help");
    expect(help.code).toBe(0);
    for (const command of ["init", "event", "import", "attendees", "verify"]) {
      expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
    }
    expect(help.stdout).toContain("$ evcred init --sample");
    expect(help.stderr).toBe("");
  });

  it("--help loads the program alone: no ES-module loader, no command, database or mail code", async () => {
    const out = join(dir, "loaded.json");
    const probe = fileURLToPath(new URL("../helpers/loaded-modules.cjs", import.meta.url));
    const help = await runBin(["--help"], {
      cwd: dir,
      env: { ...env, NODE_OPTIONS: `--require "${probe}"`, LOADED_MODULES_OUT: out },
    });
    expect(help.code).toBe(0);
    const loaded = JSON.parse(readFileSync(out, "utf8")) as { files: string[]; esmLoader: boolean };
    expect(loaded.esmLoader).toBe(false);
    const files = loaded.files.filter((f) => f !== probe).map((f) => relative(ROOT, f));
    // The errors modules are shared with the commands (one class each), small and import nothing.
    expect(files).toEqual([
      "bin/evcred.cjs",
      "dist/cli.cjs",
      "dist/errors.cjs",
      "dist/domain-errors.cjs",
    ]);
  });

  it("shows an example in a command's help", async () => {
    const help = await evcred("import", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("$ evcred import attendees.csv --event summit-2026 --yes");
  });

  it("init --sample creates the workspace, the key and a sample CSV", async () => {
    const init = await evcred("init", "--sample");
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain(`workspace   ${join(dir, "evcred.db")}`);
    expect(init.stdout).toContain(`sample      ${join(dir, "attendees.csv")}`);
    expect(statSync(join(dir, "evcred.db")).mode & 0o777).toBe(0o600);
    expect(statSync(env.EVCRED_KEY_FILE ?? "").mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "attendees.csv")).isFile()).toBe(true);
  });

  it("imports the sample into a new event with --yes", async () => {
    const result = await evcred("import", "attendees.csv", "--event", "demo", "--yes");
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("created event demo");
    expect(result.stderr).toMatch(/demo: 5 new, 0 updated, 0 unchanged, 0 rejected/);
  });

  it("attendees list --json is exactly one JSON document on stdout", async () => {
    const list = await evcred("attendees", "list", "--json");
    expect(list.code).toBe(0);
    const json = JSON.parse(list.stdout) as { event: string; attendees: { email: string }[] };
    expect(json.event).toBe("demo");
    expect(json.attendees.map((a) => a.email)).toEqual([
      "ada@example.com",
      "grace@example.com",
      "alan@example.com",
      "katherine@example.com",
      "linus@example.com",
    ]);
    expect(list.stderr).not.toContain("{");
  });

  it("runs from source when its code cache is missing or not one this Node can use", async () => {
    const copy = mkdtempSync(join(tmpdir(), "evcred-cache-"));
    try {
      mkdirSync(join(copy, "bin"));
      mkdirSync(join(copy, "dist"));
      copyFileSync(BIN, join(copy, "bin", "evcred.cjs"));
      for (const file of ["cli.cjs", "errors.cjs", "domain-errors.cjs"])
        copyFileSync(join(ROOT, "dist", file), join(copy, "dist", file));
      const help = () => runBin(["--help"], { cwd: dir, env }, join(copy, "bin", "evcred.cjs"));
      const built = await evcred("--help");
      const without = await help();
      expect(without.code).toBe(0);
      expect(without.stdout).toBe(built.stdout);
      writeFileSync(join(copy, "dist", "cli.cjs.v8cache"), "not a code cache");
      const rejected = await help();
      expect(rejected.code).toBe(0);
      expect(rejected.stdout).toBe(built.stdout);
      expect(rejected.stderr).toBe("");
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it("stdout into a file is the whole document; a reader that left ends it quietly, exit 0", async () => {
    // A file: what Node's stream would have written, byte for byte.
    const file = join(dir, "list.json");
    const out = openSync(file, "w");
    const toFile = spawn(process.execPath, [BIN, "attendees", "list", "--json"], {
      cwd: dir,
      env: { PATH: process.env.PATH, ...env },
      stdio: ["ignore", out, "pipe"],
    });
    closeSync(out);
    const [fileCode] = (await once(toFile, "close")) as [number | null];
    expect(fileCode).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ event: "demo", total: 5 });

    // `evcred attendees list | head -0`: the pipe is closed before evcred writes (EPIPE).
    const child = spawn(process.execPath, [BIN, "attendees", "list", "--json"], {
      cwd: dir,
      env: { PATH: process.env.PATH, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const [code] = (await once(child, "close")) as [number | null];
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it("verify exits 0 for the right code however it is typed, 1 for a wrong one", async () => {
    const code = await codeOf("ada@example.com");
    for (const typed of [code, code.toLowerCase(), groupCode(code).toLowerCase()]) {
      const ok = await evcred("verify", "ada@example.com", typed);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toBe("ok\n");
    }
    const wrong = await evcred(
      "verify",
      "ada@example.com",
      (code.startsWith("2") ? "3" : "2") + code.slice(1),
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe("");
    expect(wrong.stderr).toBe("error: wrong email or code\n");
  });

  it("refuses a bad CSV with exit 2 and nothing on stdout", async () => {
    writeFileSync(join(dir, "bad.csv"), "name,company\nAda,Engines\n");
    const bad = await evcred("import", "bad.csv", "--event", "demo");
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toContain(`${join(dir, "bad.csv")}:1: no email column`);
    const missing = await evcred("import", "missing.csv", "--event", "demo");
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe("");
  });

  it("exits 2 for an unknown command or option", async () => {
    const unknown = await evcred("frobnicate");
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const option = await evcred("attendees", "list", "--colour");
    expect(option.code, option.stderr).toBe(2);
    expect(option.stderr).toContain("unknown option '--colour'");
  });

  it("a command's domain refusal is worded by the program: its flag, its hint, exit 2", async () => {
    // The program and the commands are separate bundles: each once held its own DomainError,
    // so the program's table matched none a command threw (exit 1, "rerun with --debug").
    const weak = await runBin(["reset-code", "ada@example.com", "--code", "-", "--yes"], {
      cwd: dir,
      env,
      input: "12345678\n",
    });
    runs.push(weak);
    expect(weak.code, weak.stderr).toBe(2);
    expect(weak.stderr).toContain("error: --code: a code must not be a run of letters or digits");
    expect(weak.stderr).toContain("hint: prefer --generate");
    const unknown = await evcred("attendees", "update", "nobody@example.com", "--first-name", "N");
    expect(unknown.code, unknown.stderr).toBe(2);
    expect(unknown.stderr).toContain("no attendee nobody@example.com in demo");
    expect(unknown.stderr).not.toContain("--debug");
    const taken = await evcred(
      "attendees",
      "update",
      "ada@example.com",
      "--email",
      "grace@example.com",
    );
    expect(taken.code, taken.stderr).toBe(2);
    expect(taken.stderr).toContain("--email: grace@example.com is already an attendee of demo");
    const event = await evcred("event", "use", "nope");
    expect(event.code, event.stderr).toBe(2);
    expect(event.stderr).not.toContain("--debug");
  });

  it("--debug names the error's class, from the program's bundle and from a command's", async () => {
    const missing = await evcred("import", "missing.csv", "--event", "x", "--debug");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^UsageError: cannot read .*missing\.csv/m);
    mkdirSync(join(dir, "templates"), { recursive: true });
    writeFileSync(
      join(dir, "templates", "typo.eta"),
      "---\nsubject: Hi\n---\n<%= it.user_email %> <%= it.user_pass %> <%= it.emial %>\n",
    );
    const typo = await evcred("template", "check", "typo", "--debug");
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(
      /^TemplateError: templates\/typo\.eta:4: unknown variable it\.emial/m,
    );
  });

  it("a refusal of the domain exits 2 with its hint, from every command's bundle", async () => {
    // DomainError lives in the commands' chunks; the program must still word it (not exit 1).
    const unknown = await evcred("attendees", "list", "--event", "nope");
    expect(unknown.code, unknown.stderr).toBe(2);
    expect(unknown.stderr).toBe('error: no event "nope"\nhint: known events: demo\n');
    const created = await evcred("event", "create", "Other");
    expect(created.code, created.stderr).toBe(0);
    const which = await evcred("campaign", "list");
    expect(which.code, which.stderr).toBe(2);
    expect(which.stderr).toBe(
      "error: there are 2 events; which one?\n" +
        "hint: pass --event (one of: demo, other) or run `evcred event use SLUG`\n",
    );
    const json = await evcred("campaign", "cancel", "1", "--event", "gone", "--json");
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      error: { message: 'no event "gone"', hint: "known events: demo, other", exitCode: 2 },
    });
  });

  it("never writes a code, and no ANSI escapes with NO_COLOR", async () => {
    const code = await codeOf("ada@example.com");
    expect(runs.length).toBeGreaterThan(8);
    for (const run of runs) {
      for (const text of [run.stdout, run.stderr]) {
        expect(text).not.toContain("\u001b");
        expect(text).not.toContain(code);
        expect(text).not.toContain(groupCode(code));
      }
    }
  });
});
