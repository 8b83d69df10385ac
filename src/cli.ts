/**
 * The real host: process streams, environment and signals. Ctrl-C ends a command at once unless
 * it took over interrupts (`ctx.takeInterrupts()`); then the first one asks it to stop cleanly
 * and a second one ends it.
 *
 * Start-up stays near `node -e 0` (`npm run bench`): nothing here opens `process.stdout` or
 * `process.stderr`, or loads `node:tty`, unless a command needs them — each costs Node's stream
 * and socket modules (~10 ms of `evcred --help`'s ~30 over bare Node, profiled).
 */
import { fstatSync, writeSync } from "node:fs";
import type { Writer } from "./context.js";

type ContextModule = typeof import("./context.js");
import { ExitCode } from "./errors.js";
import { main } from "./main.js";

/** `importModule`: loads a module named relative to this one (see `Host.importModule`). */
export async function run(importModule: (specifier: string) => Promise<unknown>): Promise<number> {
  const controller = new AbortController();
  let taken = false;
  process.on("SIGINT", () => {
    if (!taken || controller.signal.aborted) process.exit(ExitCode.cancelled);
    controller.abort();
  });
  // stdout is asked at once (it decides the writer); stdin and stderr when a command asks.
  const stdoutIsTTY = isTerminal(1);
  let stdinIsTTY: boolean | undefined;
  let stderrIsTTY: boolean | undefined;
  const stdout = opened(() => process.stdout);
  const stderr = opened(() => process.stderr);
  // A terminal gets Node's stream (colours, width, resizes); a pipe or a file gets the bytes
  // written straight to the descriptor, synchronously, as Node writes them to pipes and files.
  const stdoutWriter = stdoutIsTTY ? undefined : descriptorWriter(1, stdout);
  // stdin is opened only by a command that reads it (a prompt): `--help` has no use for it.
  const io = {
    get stdout(): Writer {
      return stdoutWriter ?? stdout();
    },
    get stderr() {
      return stderr();
    },
    get stdin() {
      return process.stdin;
    },
    get stdinIsTTY() {
      return (stdinIsTTY ??= isTerminal(0));
    },
    stdoutIsTTY,
    get stderrIsTTY() {
      return (stderrIsTTY ??= isTerminal(2));
    },
    get stdoutColumns() {
      return stdoutIsTTY ? stdout().columns : undefined;
    },
  };
  return main(process.argv.slice(2), {
    io,
    env: process.env,
    importModule,
    async createContext(options) {
      const { createContext } = (await importModule("./context.js")) as ContextModule;
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

/** `isatty(fd)`, asking `node:tty` only about character devices: a pipe or a file is no terminal. */
function isTerminal(fd: number): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false; // not open
  }
  return process.getBuiltinModule("node:tty").isatty(fd);
}

/** One of the process's streams, fetched on first use, with the quiet EPIPE exit attached. */
function opened(get: () => NodeJS.WriteStream): () => NodeJS.WriteStream {
  let stream: NodeJS.WriteStream | undefined;
  return () => {
    if (!stream) {
      stream = get();
      stream.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code === "EPIPE") readerLeft();
        throw error;
      });
    }
    return stream;
  };
}

/**
 * Writes to descriptor `fd` with `writeSync`. A descriptor someone made non-blocking can refuse
 * (EAGAIN, a full pipe): from then on everything goes through Node's stream, in order, since
 * what was written before is already in the pipe.
 */
function descriptorWriter(fd: number, fallback: () => NodeJS.WriteStream): Writer {
  let stream: NodeJS.WriteStream | undefined;
  return {
    write(chunk: string): boolean {
      if (stream) return stream.write(chunk);
      let rest = Buffer.from(chunk, "utf8");
      while (rest.length > 0) {
        try {
          rest = rest.subarray(writeSync(fd, rest));
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === "EPIPE") readerLeft();
          if (code !== "EAGAIN") throw error;
          stream = fallback();
          return stream.write(rest);
        }
      }
      return true;
    },
  };
}

/** `evcred attendees list | head`: the reader left; stop quietly, as Unix tools do. */
function readerLeft(): never {
  process.exit(process.exitCode ?? 0);
}
