/**
 * stdout is data, stderr is talk. With `--json`, stdout gets exactly one JSON document (`json`)
 * and the human renderings (`data`, `table`) are suppressed.
 */
import type { Io } from "../context.js";
import { printableLines } from "./printable.js";
import { formatTable, type Column } from "./table.js";
import { createTheme, type Theme } from "./theme.js";

export class Output {
  readonly #io: Io;
  readonly #theme: Theme;
  /** Data on stdout is coloured only when stdout itself is a terminal (not `> file.txt`). */
  readonly #dataTheme: Theme;
  readonly json: boolean;

  constructor(io: Io, theme: Theme, json: boolean) {
    this.#io = io;
    this.#theme = theme;
    this.#dataTheme = theme.color && io.stdoutIsTTY ? theme : createTheme({ color: false });
    this.json = json;
  }

  /**
   * The command's result: `value` as JSON with --json, else `human()` as text. The JSON is
   * indented for a person at a terminal and compact for a program (a pipe or a file: a third
   * smaller, and 10,000 attendees print several times faster); `| jq .` indents it again.
   */
  result(value: unknown, human: () => string): void {
    if (this.json)
      this.#io.stdout.write(
        JSON.stringify(value, null, this.#io.stdoutIsTTY ? 2 : undefined) + "\n",
      );
    else {
      const text = printableLines(human());
      if (text) this.#io.stdout.write(text.endsWith("\n") ? text : text + "\n");
    }
  }

  table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
    const width = this.#io.stdoutIsTTY ? this.#io.stdoutColumns : undefined;
    return formatTable(rows, columns, this.#dataTheme, width);
  }

  /** Talk: progress, summaries, hints. */
  info(text: string): void {
    this.#io.stderr.write(printableLines(text) + "\n");
  }

  success(text: string): void {
    this.info(`${this.#theme.ok("✔")} ${text}`);
  }

  warn(text: string): void {
    this.info(`${this.#theme.warn("warning:")} ${text}`);
  }

  error(text: string, hint?: string): void {
    this.info(`${this.#theme.error("error:")} ${text}`);
    if (hint) this.info(`${this.#theme.dim("hint:")} ${hint}`);
  }
}
