/**
 * Commands on a real pseudo-terminal, as an organizer's shell runs them: util-linux
 * `script -qec CMD /dev/null` gives the command a pty for stdin, stdout and stderr, and its own
 * exit code (`-e`). What the test writes to `script`'s stdin is typed into the terminal, so
 * "\x03" is a real Ctrl-C: the terminal's line discipline turns it into SIGINT for the command.
 *
 * The child's environment never holds CI: the progress bars hide when CI=true, and CI runs the
 * suite with it set, so these tests would otherwise check nothing there.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { BIN } from "./spawn.js";

export interface PtyResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Everything the terminal showed, escape sequences and all (stdout and stderr share it). */
  output: string;
}

export interface PtyRun {
  child: ChildProcessWithoutNullStreams;
  /** What the terminal has shown so far. */
  output(): string;
  /** Types into the terminal ("\x03" is Ctrl-C). */
  type(text: string): void;
  done: Promise<PtyResult>;
}

export interface PtyOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** `bin/evcred.cjs ARGS` on a pty, `exec`ed so that evcred itself owns the terminal. */
export function startEvcredOnPty(args: readonly string[], options: PtyOptions): PtyRun {
  return startOnPty(`exec ${[process.execPath, BIN, ...args].map(shellQuote).join(" ")}`, options);
}

/** A shell command line on a pty. */
export function startOnPty(commandLine: string, options: PtyOptions): PtyRun {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    TERM: "xterm-256color",
    ...options.env,
  };
  delete env.CI;
  const child = spawn("script", ["-qec", commandLine, "/dev/null"], {
    cwd: options.cwd,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  const done = new Promise<PtyResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
  // stdin stays open until the command ends: an end of input would reach it as Ctrl-D.
  void done.finally(() => child.stdin.end());
  return {
    child,
    output: () => output,
    type: (text) => {
      child.stdin.write(text);
    },
    done,
  };
}

export function runEvcredOnPty(args: readonly string[], options: PtyOptions): Promise<PtyResult> {
  return startEvcredOnPty(args, options).done;
}

/** Resolves once the terminal has shown `pattern`; rejects if the command ends first. */
export function waitForOutput(run: PtyRun, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let finished = false;
    void run.done.then(() => (finished = true));
    const poll = setInterval(() => {
      if (pattern.test(plain(run.output()))) {
        clearInterval(poll);
        resolve();
      } else if (finished || Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`the terminal never showed ${String(pattern)}:\n${plain(run.output())}`));
      }
    }, 10);
  });
}

/** What a person reads on the terminal: escape sequences removed, each redraw on its own line. */
export function plain(output: string): string {
  return (
    output
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, (seq) => (/\[\d*G$/.test(seq) ? "\n" : ""))
      .replace(/\r\n?/g, "\n")
  );
}

/** The progress bar lines the terminal showed for `label`: `label ███░░░ 3/10 · 1s left`. */
export function barsDrawn(output: string, label: string): { value: number; total: number }[] {
  const bars: { value: number; total: number }[] = [];
  const line = new RegExp(`^${label} [█░]+ (\\d+)/(\\d+) · `, "gm");
  for (const m of plain(output).matchAll(line)) {
    bars.push({ value: Number(m[1]), total: Number(m[2]) });
  }
  return bars;
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
