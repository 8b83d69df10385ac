import * as z from "zod";
import { parseSince, queryAudit, type AuditView } from "../domain/audit-query.js";
import { listEvents, resolveEvent } from "../domain/events.js";
import { resolveDateTime, TimeInputError } from "../domain/time.js";
import { UsageError } from "../errors.js";
import { formatTime, zoneLabel } from "../render/time.js";
import { defineCommand, examples } from "./command.js";
import { emailFlag, intFlag, parseOptions } from "./options.js";

const DEFAULT_LIMIT = 100;

const Options = z.object({
  attendee: emailFlag.optional(),
  since: z.string().optional(),
  limit: intFlag(1).default(DEFAULT_LIMIT),
  allEvents: z.boolean().default(false),
});

export default defineCommand({
  configure(command) {
    command
      .option("--attendee <email>", "only what was done to this attendee")
      .option("--since <when>", "only from then on: an ISO date or time, or 30m, 2h, 3d, 1w ago")
      .option("--limit <n>", `at most N entries, newest first (default ${DEFAULT_LIMIT})`)
      .option("--all-events", "every event, not only the one commands act on")
      .addHelpText(
        "after",
        examples(
          "evcred log",
          "evcred log --attendee ada@example.com",
          "evcred log --since 2h --json",
          "evcred log --all-events --since 2026-05-01 --limit 500",
        ) +
          "\nThe log shows the event's entries and workspace-wide ones (such as key rotations).\n" +
          "It never holds an access code.\n",
      );
  },
  async run(ctx, _args, raw) {
    const options = parseOptions(Options, raw);
    // Checked before the workspace opens, then read in the event's zone.
    if (options.since !== undefined) sinceFlag(options.since, ctx.now(), null);
    const ws = await ctx.workspace();
    const event = options.allEvents ? undefined : await resolveEvent(ws, ctx.options.event);
    const since =
      options.since === undefined
        ? undefined
        : sinceFlag(options.since, ctx.now(), event?.timezone ?? null);
    // Times in the event's zone; across events, each in its own, named when they differ.
    const zones = new Map((await listEvents(ws)).map((e) => [e.slug, e.timezone]));
    const zoneOf = (e: AuditView) => (event ? event.timezone : zones.get(e.event ?? "")) ?? null;
    const page = await queryAudit(ws, {
      eventId: event?.id,
      email: options.attendee,
      since,
      limit: options.limit,
    });
    ctx.out.result({ event: event?.slug ?? null, since: since ?? null, ...page }, () =>
      page.entries.length
        ? ctx.out.table(page.entries, [
            timeColumn(page.entries.map(zoneOf), zoneOf),
            { header: "ACTOR", value: (e) => e.actor, max: 20 },
            { header: "ACTION", value: (e) => e.action },
            ...(event ? [] : [{ header: "EVENT", value: (e: AuditView) => e.event ?? "" }]),
            { header: "ATTENDEE", value: (e) => e.email ?? "" },
            { header: "SUMMARY", value: (e) => e.summary, max: 80 },
          ])
        : "",
    );
    const shown = page.entries.length;
    ctx.out.info(
      ctx.theme.dim(
        shown < page.total
          ? `latest ${shown} of ${page.total} entries (see more with --limit)`
          : `${shown} entr${shown === 1 ? "y" : "ies"}${event ? ` for ${event.slug}` : ""}`,
      ),
    );
  },
});

function sinceFlag(text: string, now: Date, zone: string | null): string {
  const since = parseSince(text, now, zone);
  if (since !== undefined) return since;
  // A date that reads as ISO but is not a real time says why, as --starts-at does.
  try {
    resolveDateTime(text.trim(), zone ?? "UTC");
  } catch (error) {
    if (error instanceof TimeInputError && error.reason !== "syntax") {
      throw new UsageError(`--since: ${error.message}`, error.hint ? { hint: error.hint } : {});
    }
  }
  throw new UsageError(`--since: "${text}" is neither an ISO date/time nor a duration`, {
    hint: "e.g. --since 2026-05-04, --since 2026-05-04T09:00Z, --since 2h, --since 3d",
  });
}

function timeColumn(shown: (string | null)[], zoneOf: (e: AuditView) => string | null) {
  const one = new Set(shown.map(zoneLabel)).size <= 1;
  return {
    header: one ? `TIME (${zoneLabel(shown[0])})` : "TIME",
    value: (e: AuditView) => {
      const time = formatTime(e.at, { zone: zoneOf(e), style: "short" });
      return one ? time : `${time} ${zoneLabel(zoneOf(e))}`;
    },
  };
}
