/** A progress bar on a terminal's stderr; nothing at all elsewhere (pipes, CI, --json). */
import type { Context } from "../context.js";

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

export interface ProgressOptions {
  /**
   * The least time one item takes (a `--rate`'s spacing): the time left is never shown as less
   * than the items left need at that pace, whatever the first ones, sent at once, suggest.
   */
  minMsPerItem?: number | undefined;
}

const SILENT: Progress = { update: () => undefined, stop: () => undefined };

export async function startProgress(
  ctx: Context,
  label: string,
  options: ProgressOptions = {},
): Promise<Progress> {
  if (!ctx.io.stderrIsTTY || ctx.options.json || ctx.env.CI === "true") return SILENT;
  // cli-progress is CommonJS: bundled, only its default export (module.exports) is filled in.
  const { default: cliProgress } = await import("cli-progress");
  const { SingleBar, Presets } = cliProgress;
  const bar = new SingleBar(
    {
      format: `${label} ${ctx.theme.chalk.cyan("{bar}")} {value}/{total} · {left} left`,
      stream: ctx.io.stderr as NodeJS.WritableStream,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  let started: number | undefined;
  return {
    update(done, total) {
      const now = Date.now();
      const payload = {
        left: formatLeft(timeLeftMs(now - (started ?? now), done, total, options)),
      };
      if (started === undefined) {
        started = now;
        bar.start(total, 0, payload);
      }
      bar.setTotal(total);
      bar.update(done, payload);
    },
    stop() {
      if (started !== undefined) bar.stop();
    },
  };
}

/**
 * The time left: at the pace so far (unknown before the first item is done), and never less
 * than the items left take at the least time per item.
 */
export function timeLeftMs(
  elapsedMs: number,
  done: number,
  total: number,
  options: ProgressOptions = {},
): number | undefined {
  const left = Math.max(0, total - done);
  const paced = left * (options.minMsPerItem ?? 0);
  if (done === 0) return paced > 0 ? paced : undefined;
  return Math.max((elapsedMs / done) * left, paced);
}

/** `45s`, `12m 05s`, `2h 07m`; `…` while unknown. */
export function formatLeft(ms: number | undefined): string {
  if (ms === undefined) return "…";
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s}s`;
  const two = (n: number) => String(n).padStart(2, "0");
  if (s < 3600) return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${two(Math.floor((s % 3600) / 60))}m`;
}
