/** One chalk instance whose level the context decides (chalk alone does not honour NO_COLOR). */
import { Chalk, type ChalkInstance } from "chalk";

export interface Theme {
  readonly color: boolean;
  readonly chalk: ChalkInstance;
  ok(text: string): string;
  warn(text: string): string;
  error(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export function createTheme(options: { color: boolean }): Theme {
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  return {
    color: options.color,
    chalk,
    ok: (t) => chalk.green(t),
    warn: (t) => chalk.yellow(t),
    error: (t) => chalk.red(t),
    dim: (t) => chalk.dim(t),
    bold: (t) => chalk.bold(t),
  };
}
