import * as z from "zod";
import {
  ATTENDEE_STATUSES,
  countMatching,
  listAttendees,
  type AttendeeSummary,
} from "../../domain/attendees.js";
import { resolveEvent } from "../../domain/events.js";
import { defineCommand, examples } from "../command.js";
import { intFlag, parseOptions } from "../options.js";

const Options = z.object({
  search: z.string().trim().min(1).optional(),
  status: z
    .enum(ATTENDEE_STATUSES, { message: `expected one of: ${ATTENDEE_STATUSES.join(", ")}` })
    .optional(),
  limit: intFlag(1).optional(),
});

export default defineCommand({
  configure(command) {
    command
      .option("--search <text>", "only attendees whose email or name contains TEXT")
      .option("--status <status>", `only ${ATTENDEE_STATUSES.join(" | ")}`)
      .option("--limit <n>", "at most N rows")
      .addHelpText(
        "after",
        examples(
          "evcred attendees list",
          "evcred attendees list --search hopper",
          "evcred attendees list --status unsent --json",
          "evcred attendees list --status locked",
        ),
      );
  },
  async run(ctx, _args, raw) {
    const filter = parseOptions(Options, raw);
    const ws = await ctx.workspace();
    const event = await resolveEvent(ws, ctx.options.event);
    const rows = await listAttendees(ws, event, { ...filter, now: ctx.now() });
    // Cut by --limit: how many there are in all, so "3" is not taken for everyone.
    const total =
      filter.limit !== undefined && rows.length === filter.limit
        ? await countMatching(ws, event, filter)
        : rows.length;
    ctx.out.result({ event: event.slug, attendees: rows, total }, () =>
      rows.length
        ? ctx.out.table(rows, [
            { header: "EMAIL", value: (r) => r.email },
            { header: "NAME", value: (r) => `${r.firstName} ${r.lastName}`.trim() },
            { header: "STATUS", value: statusOf },
          ])
        : "",
    );
    ctx.out.info(
      ctx.theme.dim(
        `${total > rows.length ? `${rows.length} of ${total}` : rows.length} attendee${total === 1 ? "" : "s"} in ${event.slug}${total > rows.length ? ` (--limit ${rows.length})` : ""}`,
      ),
    );
  },
});

function statusOf(a: AttendeeSummary): string {
  const parts = [a.sent ? "sent" : a.failed ? "failed" : "unsent"];
  if (a.loggedIn) parts.push("logged in");
  if (a.lockedUntil) parts.push("locked");
  return parts.join(", ");
}
