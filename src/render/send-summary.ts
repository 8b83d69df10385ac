/** The end of every sending command: the summary, failures listed, and the exit code. */
import type { Context } from "../context.js";
import { ExitCode } from "../errors.js";
import type { RunSummary } from "../mail/runner.js";

/** The summary always, and the exit code: 0 all sent, 3 some failed, 1 none could be sent, 130 interrupted. */
export function reportDeliveries(
  ctx: Context,
  summary: RunSummary,
  about: Record<string, string>,
): number {
  ctx.out.result({ ...about, ...summary }, () => "");
  for (const f of summary.failed.slice(0, 20)) ctx.out.warn(`${f.email}: ${f.response}`);
  if (summary.failed.length > 20)
    ctx.out.warn(
      `… and ${summary.failed.length - 20} more failed (evcred attendees list --status failed)`,
    );
  const line = `${summary.sent} sent, ${summary.failed.length} failed${summary.skipped ? `, ${summary.skipped} skipped (already sent or being sent by another evcred)` : ""}${summary.released ? `, ${summary.released} not attempted` : ""}`;
  if (summary.stoppedBy)
    ctx.out.error(
      `stopped: ${summary.stoppedBy}`,
      "the rest is still due: rerun the same command once the server is back",
    );
  if (summary.interrupted) {
    ctx.out.info(`interrupted: ${line}; rerun the same command to send the rest`);
    return ExitCode.cancelled;
  }
  if (summary.sent === 0 && summary.failed.length === 0 && summary.skipped > 0 && about.email) {
    // A named attendee that another evcred is mailing right now: nothing was sent by this one.
    ctx.out.error(
      `${about.email} is being sent to by another evcred right now`,
      "try again in a minute",
    );
    return ExitCode.failed;
  }
  if (summary.sent === 0 && (summary.failed.length > 0 || summary.stoppedBy)) {
    ctx.out.error(`nothing could be sent: ${line}`);
    return ExitCode.failed;
  }
  if (summary.failed.length > 0 || summary.stoppedBy) {
    ctx.out.warn(line);
    return ExitCode.partial;
  }
  ctx.out.success(line);
  return ExitCode.ok;
}
