/** The end of every sending command: the summary, failures listed, and the exit code. */
import type { Context } from "../context.js";
import { ExitCode } from "../errors.js";
import type { RunSummary } from "../mail/runner.js";

/** What is left after a mass send, for a run that stopped early. */
export interface WhatIsLeft {
  template: string;
  /** Attendees still without the template for their current code, counted after the run. */
  stillDue: number;
  /** How to finish this run, when rerunning the same command would not (`--limit`, `--all`). */
  next?: string | undefined;
}

/** The summary always, and the exit code: 0 all sent, 3 some failed, 1 none could be sent, 130 interrupted. */
export function reportDeliveries(
  ctx: Context,
  summary: RunSummary,
  about: Record<string, string>,
  left?: WhatIsLeft,
): number {
  ctx.out.result({ ...about, ...summary, ...(left ? { stillDue: left.stillDue } : {}) }, () => "");
  for (const f of summary.failed.slice(0, 20)) ctx.out.warn(`${f.email}: ${f.response}`);
  if (summary.failed.length > 20)
    ctx.out.warn(
      `… and ${summary.failed.length - 20} more failed (evcred attendees list --status failed)`,
    );
  const line = `${summary.sent} sent, ${summary.failed.length} failed${summary.skipped ? `, ${summary.skipped} skipped (already sent or being sent by another evcred)` : ""}${summary.notSent ? `, ${summary.notSent} not sent yet` : ""}`;
  const due = left
    ? `${left.stillDue} attendee${left.stillDue === 1 ? "" : "s"} still due ${left.template}; `
    : "";
  const rerun = left?.next ?? "rerun the same command to send the rest";
  if (summary.stoppedBy)
    ctx.out.error(`stopped: ${summary.stoppedBy}`, `${due || "the rest is still due; "}${rerun}`);
  if (summary.interrupted) {
    ctx.out.info(`interrupted: ${line}; ${due}${rerun}`);
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
