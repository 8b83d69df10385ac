/** A progress bar on a terminal's stderr; nothing at all elsewhere (pipes, CI, --json). */
import type { Context } from "../context.js";

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

const SILENT: Progress = { update: () => undefined, stop: () => undefined };

export async function startProgress(ctx: Context, label: string): Promise<Progress> {
  if (!ctx.io.stderrIsTTY || ctx.options.json || ctx.env.CI === "true") return SILENT;
  // cli-progress is CommonJS: bundled, only its default export (module.exports) is filled in.
  const { default: cliProgress } = await import("cli-progress");
  const { SingleBar, Presets } = cliProgress;
  const bar = new SingleBar(
    {
      format: `${label} ${ctx.theme.chalk.cyan("{bar}")} {value}/{total} · {eta_formatted} left`,
      stream: ctx.io.stderr as NodeJS.WritableStream,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 200,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.setTotal(total);
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
