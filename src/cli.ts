/**
 * The real host: process streams, environment and signals. Ctrl-C ends a command at once unless
 * it took over interrupts (`ctx.takeInterrupts()`); then the first one asks it to stop cleanly
 * and a second one ends it.
 */
import { isatty } from "node:tty";
import { ExitCode } from "./errors.js";
import { main } from "./main.js";

export async function run(): Promise<number> {
  const controller = new AbortController();
  let taken = false;
  process.on("SIGINT", () => {
    if (!taken || controller.signal.aborted) process.exit(ExitCode.cancelled);
    controller.abort();
  });
  // `evcred attendees list | head`: the reader left; stop quietly, as Unix tools do.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  // stdin is opened only by a command that reads it (a prompt): `--help` has no use for it.
  const io = {
    stdout: process.stdout,
    stderr: process.stderr,
    get stdin() {
      return process.stdin;
    },
    stdinIsTTY: isatty(0),
    stdoutIsTTY: isatty(1),
    stderrIsTTY: isatty(2),
    get stdoutColumns() {
      return process.stdout.isTTY ? process.stdout.columns : undefined;
    },
  };
  return main(process.argv.slice(2), {
    io,
    env: process.env,
    async createContext(options) {
      const { createContext } = await import("./context.js");
      return createContext({
        io,
        env: process.env,
        cwd: process.cwd(),
        options,
        takeInterrupts: () => {
          // SIGTERM (a service manager's stop) then asks the same as Ctrl-C: stop cleanly.
          if (!taken)
            process.once("SIGTERM", () => {
              controller.abort();
            });
          taken = true;
          return controller.signal;
        },
      });
    },
  });
}
