/**
 * Questions to the organizer. Commands ask only through a Prompter and only when
 * `ctx.canPrompt()`; the real one draws on stderr (stdout stays data) and loads inquirer lazily.
 */
import type { Io } from "../context.js";
import { CancelledError } from "../errors.js";

export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
}

export interface Prompter {
  confirm(message: string, defaultValue?: boolean): Promise<boolean>;
  input(message: string, validate?: (value: string) => string | true): Promise<string>;
  password(message: string): Promise<string>;
  select<T>(message: string, choices: readonly Choice<T>[]): Promise<T>;
  search<T>(message: string, source: (term: string) => Promise<readonly Choice<T>[]>): Promise<T>;
}

export class InquirerPrompter implements Prompter {
  readonly #io: Io;

  constructor(io: Io) {
    this.#io = io;
  }

  async confirm(message: string, defaultValue = false): Promise<boolean> {
    const { confirm } = await import("@inquirer/prompts");
    return this.#ask(() => confirm({ message, default: defaultValue }, this.#streams()));
  }

  async input(message: string, validate?: (value: string) => string | true): Promise<string> {
    const { input } = await import("@inquirer/prompts");
    return this.#ask(() => input({ message, ...(validate ? { validate } : {}) }, this.#streams()));
  }

  async password(message: string): Promise<string> {
    const { password } = await import("@inquirer/prompts");
    return this.#ask(() => password({ message, mask: true }, this.#streams()));
  }

  async select<T>(message: string, choices: readonly Choice<T>[]): Promise<T> {
    const { select } = await import("@inquirer/prompts");
    return this.#ask(() => select<T>({ message, choices: [...choices] }, this.#streams()));
  }

  async search<T>(
    message: string,
    source: (term: string) => Promise<readonly Choice<T>[]>,
  ): Promise<T> {
    const { search } = await import("@inquirer/prompts");
    return this.#ask(() =>
      search<T>(
        { message, source: async (term) => [...(await source(term ?? ""))] },
        this.#streams(),
      ),
    );
  }

  #streams() {
    return { input: this.#io.stdin, output: this.#io.stderr as NodeJS.WritableStream };
  }

  async #ask<T>(prompt: () => Promise<T>): Promise<T> {
    try {
      return await prompt();
    } catch (error) {
      if (error instanceof Error && error.name === "ExitPromptError") throw new CancelledError();
      throw error;
    }
  }
}
