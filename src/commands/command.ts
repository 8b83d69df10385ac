/**
 * The shape of a command module. `configure` declares arguments, flags and help on the commander
 * command; `run` validates them, calls the domain once and renders. Modules are loaded only when
 * their command runs, so start-up pays for none of them.
 */
import type { Command } from "commander";
import type { Context } from "../context.js";
import { cliError } from "./domain-errors.js";

// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a command that succeeds returns nothing
export type CommandResult = number | void;

export interface CommandModule {
  configure(command: Command): void;
  /** Returns the exit code when it is not 0 (a partial success is 3); nothing means 0. */
  run(
    ctx: Context,
    args: readonly unknown[],
    options: Record<string, unknown>,
  ): Promise<CommandResult>;
}

/**
 * The module, its `run` wording the domain's refusals (`cliError`) before they leave it. The
 * program (dist/cli.cjs) shares only src/errors.ts with the commands' bundle, so a DomainError
 * reaching it is of another copy of the class: it would be an unknown error (exit 1).
 */
export function defineCommand(module: CommandModule): CommandModule {
  return {
    configure: (command) => {
      module.configure(command);
    },
    run: async (ctx, args, options) => {
      try {
        return await module.run(ctx, args, options);
      } catch (error) {
        throw cliError(error);
      }
    },
  };
}

/** Help text after the flags: one example per line, as the user would type it. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
}
