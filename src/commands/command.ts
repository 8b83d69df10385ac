/**
 * The shape of a command module. `configure` declares arguments, flags and help on the commander
 * command; `run` validates them, calls the domain once and renders. Modules are loaded only when
 * their command runs, so start-up pays for none of them.
 */
import type { Command } from "commander";
import type { Context } from "../context.js";

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

export function defineCommand(module: CommandModule): CommandModule {
  return module;
}

/** Help text after the flags: one example per line, as the user would type it. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
}
