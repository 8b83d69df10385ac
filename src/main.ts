/**
 * The program: commander with every command's name and summary, but only the invoked command's
 * module loaded (start-up stays near `node -e 0`). Errors are mapped to exit codes here, the only
 * place that decides one; `bin/evcred.cjs` sets it as the process's exit code.
 */
import { Command, CommanderError, Option } from "commander";
import { readFileSync } from "node:fs";
import type { CommandModule } from "./commands/command.js";
import type { Context, GlobalOptions, Io } from "./context.js";
import { cliError } from "./commands/domain-errors.js";
import { EvcredError, ExitCode } from "./errors.js";
import { storeFailure } from "./store/failures.js";
import { packageFile } from "./package-root.js";
import { printableLines } from "./render/printable.js";

interface Entry {
  path: readonly string[];
  summary: string;
  /** The command's module, relative to this one: the host loads it (`Host.importModule`). */
  module: string;
}

const GROUPS: Readonly<Record<string, string>> = {
  event: "create, list, choose and change events",
  attendees: "browse, fix, export and remove attendees (never their codes)",
  template: "list, create, check and link email templates",
  key: "show or rotate the master key (never the key itself)",
  "venue-key": "create, list and revoke the keys the venue's server calls the API with",
  campaign: "schedule sends for the day before and hours before the event",
};

const COMMANDS: readonly Entry[] = [
  {
    path: ["init"],
    summary: "create the workspace and master key",
    module: "./commands/init.js",
  },
  {
    path: ["event", "create"],
    summary: "create an event",
    module: "./commands/event/create.js",
  },
  {
    path: ["event", "list"],
    summary: "list events",
    module: "./commands/event/list.js",
  },
  {
    path: ["event", "use"],
    summary: "choose the event commands act on",
    module: "./commands/event/use.js",
  },
  {
    path: ["event", "show"],
    summary: "show an event",
    module: "./commands/event/show.js",
  },
  {
    path: ["event", "update"],
    summary: "change an event",
    module: "./commands/event/update.js",
  },
  {
    path: ["import"],
    summary: "register attendees from a CSV file and generate their codes",
    module: "./commands/import.js",
  },
  {
    path: ["attendees", "list"],
    summary: "list attendees",
    module: "./commands/attendees/list.js",
  },
  {
    path: ["attendees", "show"],
    summary: "show one attendee",
    module: "./commands/attendees/show.js",
  },
  {
    path: ["attendees", "update"],
    summary: "fix an attendee's email, name or fields (the code stays)",
    module: "./commands/attendees/update.js",
  },
  {
    path: ["attendees", "export"],
    summary: "write attendees and where they stand as CSV (never codes)",
    module: "./commands/attendees/export.js",
  },
  {
    path: ["attendees", "remove"],
    summary: "remove one attendee",
    module: "./commands/attendees/remove.js",
  },
  {
    path: ["template", "list"],
    summary: "list built-in and workspace templates and their links",
    module: "./commands/template/list.js",
  },
  {
    path: ["template", "new"],
    summary: "copy a template into the workspace templates folder (EVCRED_TEMPLATES), to edit",
    module: "./commands/template/new.js",
  },
  {
    path: ["template", "check"],
    summary: "compile a template, render it and check it carries the credentials",
    module: "./commands/template/check.js",
  },
  {
    path: ["template", "link"],
    summary: "choose the template resend or reset sends",
    module: "./commands/template/link.js",
  },
  {
    path: ["template", "unlink"],
    summary: "remove the template link of resend or reset",
    module: "./commands/template/unlink.js",
  },
  {
    path: ["preview"],
    summary: "render a template for one attendee, code masked",
    module: "./commands/preview.js",
  },
  {
    path: ["send"],
    summary: "send credential emails to the attendees who are due them",
    module: "./commands/send.js",
  },
  {
    path: ["resend"],
    summary: "resend one attendee's credentials (same code)",
    module: "./commands/resend.js",
  },
  {
    path: ["doctor"],
    summary: "check the workspace, key, templates and mail transport",
    module: "./commands/doctor.js",
  },
  {
    path: ["verify"],
    summary: "check an email and code as the venue's login would",
    module: "./commands/verify.js",
  },
  {
    path: ["unlock"],
    summary: "lift an attendee's verification lock now (after failed logins)",
    module: "./commands/unlock.js",
  },
  {
    path: ["reset-code"],
    summary: "give an attendee a new code (or every attendee, after a leak)",
    module: "./commands/reset-code.js",
  },
  {
    path: ["stats"],
    summary: "registered, sent, logged in: the event's figures",
    module: "./commands/stats.js",
  },
  {
    path: ["log"],
    summary: "the audit log: who did what to whom, when (never codes)",
    module: "./commands/log.js",
  },
  {
    path: ["campaign", "add"],
    summary: "schedule a send relative to the event's start, or at a time",
    module: "./commands/campaign/add.js",
  },
  {
    path: ["campaign", "list"],
    summary: "the event's campaigns: when, status, sent and failed",
    module: "./commands/campaign/list.js",
  },
  {
    path: ["campaign", "cancel"],
    summary: "cancel a scheduled campaign",
    module: "./commands/campaign/cancel.js",
  },
  {
    path: ["campaign", "run-due"],
    summary: "send every campaign that is due (for cron; serve does it every minute)",
    module: "./commands/campaign/run-due.js",
  },
  {
    path: ["key", "show"],
    summary: "the master key's id and file (never the key)",
    module: "./commands/key/show.js",
  },
  {
    path: ["key", "rotate"],
    summary: "re-seal every code under a new master key",
    module: "./commands/key/rotate.js",
  },
  {
    path: ["venue-key", "create"],
    summary: "create a key for the venue's server (shown once)",
    module: "./commands/venue-key/create.js",
  },
  {
    path: ["venue-key", "list"],
    summary: "list venue keys (never the keys)",
    module: "./commands/venue-key/list.js",
  },
  {
    path: ["venue-key", "revoke"],
    summary: "revoke a venue key",
    module: "./commands/venue-key/revoke.js",
  },
  {
    path: ["serve"],
    summary: "the login service: the venue's API, tokens, health and metrics",
    module: "./commands/serve.js",
  },
];

/** Global flags that take a value, so the command can be found behind them. */
const VALUE_FLAGS = new Set(["--db", "--event"]);

export interface Host {
  io: Io;
  env: NodeJS.ProcessEnv;
  /** Builds the context once the global flags are known. */
  createContext(options: GlobalOptions): Promise<Context>;
  /**
   * Loads a module named relative to this one. The host's, not an `import()` here: the program
   * can then run from a V8 code cache (bin/evcred.cjs), whose functions lose their import().
   */
  importModule(specifier: string): Promise<unknown>;
}

export async function main(argv: readonly string[], host: Host): Promise<number> {
  const { io } = host;
  let exitCode: number = ExitCode.ok;
  let context: Context | undefined;
  const program = await buildProgram(argv, host, async (module, command) => {
    const options = globalOptions(command, host.env);
    context = await host.createContext(options);
    const result = await module.run(context, command.processedArgs as unknown[], command.opts());
    exitCode = result ?? ExitCode.ok;
  });
  // Subcommands copied the output settings when they were made: give every one the context's io.
  const routeOutput = (command: Command): void => {
    command.configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // commander's defaults ask process.stdout, opening it even for a pipe; io already knows.
      // evcred's help has no styles, so there are no colours to keep.
      getOutHelpWidth: () => io.stdoutColumns ?? 80, // commander wraps at 80 when not told
      getOutHasColors: () => false,
    });
    command.commands.forEach(routeOutput);
  };
  routeOutput(program);
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    // A workspace that turns out read-only, damaged or full mid-command: say so, naming it.
    const failure = context ? storeFailure(error, context.workspacePath) : undefined;
    exitCode = report(failure ?? error, io, argv.includes("--debug"), argv.includes("--json"));
  } finally {
    await context?.close();
  }
  return exitCode;
}

async function buildProgram(
  argv: readonly string[],
  host: Host,
  action: (module: CommandModule, command: Command) => Promise<void>,
): Promise<Command> {
  const program = new Command("evcred")
    .description("Personal access codes for event attendees: import, send, verify.")
    // package.json is read only when the version is asked for: start-up reads nothing else.
    .version(
      argv.includes("-V") || argv.includes("--version") ? packageVersion() : "",
      "-V, --version",
    )
    .option("--db <path>", "workspace file (env EVCRED_DB)", undefined)
    .option("--event <slug>", "event to act on (env EVCRED_EVENT)")
    .option("--json", "machine output on stdout", false)
    .option("-y, --yes", "answer yes to confirmations", false)
    .option("--no-color", "no colours (also NO_COLOR)")
    .addOption(new Option("--debug", "show the stack of an unexpected error").default(false))
    .showSuggestionAfterError(true)
    .exitOverride();
  program.addHelpText(
    "after",
    "\nGet started:\n  $ evcred init --sample\n  $ evcred import attendees.csv --event summit-2026 --yes\n  $ evcred attendees list\n",
  );

  const words = commandWords(argv);
  const target = findTarget(words);
  const groups = new Map<string, Command>();
  for (const entry of COMMANDS) {
    let parent = program;
    const [head, leaf] = entry.path.length === 2 ? entry.path : [undefined, entry.path[0]];
    if (head !== undefined) {
      let group = groups.get(head);
      if (!group) {
        group = program
          .command(head)
          .description(GROUPS[head] ?? "")
          .exitOverride();
        groups.set(head, group);
      }
      // A group's commands are made only when argv names the group: `evcred --help` lists the
      // groups, and each command made is start-up time (`npm run bench`).
      if (head !== words[0]) continue;
      parent = group;
    }
    const command = parent
      .command(leaf ?? "")
      .description(entry.summary)
      .exitOverride();
    if (entry === target) {
      const module = await loadCommand(host, entry.module);
      module.configure(command);
      command.action(async (...received: unknown[]) => {
        await action(module, received[received.length - 1] as Command);
      });
    }
  }
  return program;
}

async function loadCommand(host: Host, specifier: string): Promise<CommandModule> {
  const loaded = (await host.importModule(specifier)) as { default?: Partial<CommandModule> };
  const module = loaded.default;
  if (typeof module?.configure !== "function" || typeof module.run !== "function")
    throw new Error(`${specifier} is not a command module`);
  return module as CommandModule;
}

/** The first words of argv, skipping global flags: the command asked for, or help on one. */
function commandWords(argv: readonly string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 3; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") break;
    if (arg.startsWith("-")) {
      if (VALUE_FLAGS.has(arg)) i++;
      continue;
    }
    words.push(arg);
  }
  // `evcred help send` and `evcred event help create` show that command's own help.
  const help = words.indexOf("help");
  if (help !== -1) words.splice(help, 1);
  return words;
}

/** The manifest entry those words name. */
function findTarget(words: readonly string[]): Entry | undefined {
  return (
    COMMANDS.find((e) => e.path.length === 2 && e.path[0] === words[0] && e.path[1] === words[1]) ??
    COMMANDS.find((e) => e.path.length === 1 && e.path[0] === words[0])
  );
}

function globalOptions(command: Command, env: NodeJS.ProcessEnv): GlobalOptions {
  const all = command.optsWithGlobals<Record<string, unknown>>();
  return {
    db: typeof all.db === "string" ? all.db : env.EVCRED_DB || undefined,
    event: typeof all.event === "string" ? all.event : env.EVCRED_EVENT || undefined,
    json: all.json === true,
    yes: all.yes === true,
    color: all.color !== false,
    debug: all.debug === true,
  };
}

function report(thrown: unknown, io: Io, debug: boolean, json: boolean): number {
  // A refusal of the domain, worded with the flags and arguments it usually concerns.
  const error = cliError(thrown);
  if (error instanceof CommanderError) {
    // Help and version are requests, not failures; commander already printed the message.
    if (["commander.helpDisplayed", "commander.help", "commander.version"].includes(error.code)) {
      return ExitCode.ok;
    }
    if (error.code === "commander.executeSubCommandAsync") return ExitCode.ok;
    // commander printed what is wrong; scripts reading --json still get their one document.
    if (json) {
      const message = error.message.replace(/^error: /, "");
      io.stdout.write(
        JSON.stringify({ error: { message, hint: null, exitCode: ExitCode.usage } }, null, 2) +
          "\n",
      );
    }
    return ExitCode.usage;
  }
  const known = error instanceof EvcredError;
  const message = known ? error.message : error instanceof Error ? error.message : String(error);
  const exitCode = known ? error.exitCode : ExitCode.failed;
  const hint = known ? error.hint : debug ? undefined : "rerun with --debug to see where it failed";
  if (json) {
    io.stdout.write(
      JSON.stringify({ error: { message, hint: hint ?? null, exitCode } }, null, 2) + "\n",
    );
  }
  if (exitCode === ExitCode.cancelled) {
    io.stderr.write(`${message}\n`);
    return exitCode;
  }
  io.stderr.write(`error: ${printableLines(message)}\n`);
  if (hint) io.stderr.write(`hint: ${printableLines(hint)}\n`);
  if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return exitCode;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(packageFile("package.json"), "utf8")) as {
    version?: string;
  };
  return pkg.version ?? "0.0.0";
}
