import { createEvent } from "../../domain/events.js";
import { describeEvent, eventView } from "../../render/event-view.js";
import { defineCommand, examples } from "../command.js";
import { EventFlags, parseOptions, timeFlagValue } from "../options.js";

const Options = EventFlags;

export default defineCommand({
  configure(command) {
    command
      .argument("<name>", "the event's name")
      .option("--slug <slug>", "short id used by --event (default: from the name)")
      .option(
        "--starts-at <iso>",
        "start time, ISO 8601: with an offset (…T09:00+02:00, …Z), or local to --timezone",
      )
      .option("--timezone <zone>", "IANA time zone times are shown in, e.g. Europe/Madrid")
      .option("--locale <lang>", "language of the built-in emails: en, es, fr, de, pt")
      .option("--login-url <url>", "where attendees log in")
      .option("--from <address>", "sender of the credential emails")
      .option("--code-length <n>", "length of generated codes (8-32)", undefined)
      .addHelpText(
        "after",
        examples(
          'evcred event create "Tech Summit 2026" --starts-at 2026-05-04T09:00:00Z --login-url https://venue.example.com',
          'evcred event create "Cumbre 2026" --starts-at 2026-05-04T09:00 --timezone Europe/Madrid --locale es',
        ),
      );
  },
  async run(ctx, args, raw) {
    const options = parseOptions(Options, { ...raw, name: args[0] });
    // Every flag is checked before the workspace is made: a refused time creates no evcred.db.
    const startsAt =
      options.startsAt && timeFlagValue("--starts-at", options.startsAt, options.timezone);
    const ws = await ctx.workspace({ create: true });
    const event = createEvent(
      ws,
      { ...options, startsAt, fromAddress: options.from },
      { actor: ctx.actor, at: ctx.now().toISOString() },
    );
    const view = eventView(event);
    ctx.out.result(view, () => describeEvent(view));
    ctx.out.success(`event ${event.slug} created`);
  },
});
