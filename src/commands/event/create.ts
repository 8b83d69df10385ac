import * as z from "zod";
import { CampaignTimeError } from "../../domain/campaign-time.js";
import { DEFAULT_CAMPAIGNS, scheduleCampaign, type CampaignView } from "../../domain/campaigns.js";
import { createEvent } from "../../domain/events.js";
import { UsageError } from "../../errors.js";
import { credentialTemplate } from "../../mail/deliver.js";
import { campaignWhen, noSenderWarning } from "../../render/campaigns.js";
import { describeEvent, eventView } from "../../render/event-view.js";
import { formatTime } from "../../render/time.js";
import { defineCommand, examples } from "../command.js";
import { EventFlags, parseOptions, timeFlagValue } from "../options.js";

const Options = EventFlags.extend({
  campaigns: z
    .enum(["default"], { message: "expected default (-1d@09:00 and -3h, reminder)" })
    .optional(),
});

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
      .option(
        "--venue-url <url>",
        "where the sign-in page (GET /e/SLUG) sends a signed-in attendee, #token=JWT appended",
      )
      .option("--from <address>", "sender of the credential emails")
      .option("--code-length <n>", "length of generated codes (8-32)", undefined)
      .option(
        "--campaigns <set>",
        "default: schedule the reminder at 09:00 the day before (-1d@09:00) and 3 hours before (-3h)",
      )
      .option("--token-audience <aud>", "the login tokens' aud claim (default: the slug)")
      .option(
        "--token-ttl <duration>",
        "how long a login token is valid: 90m, 24h, 7d (default 24h)",
      )
      .addHelpText(
        "after",
        examples(
          'evcred event create "Tech Summit 2026" --starts-at 2026-05-04T09:00:00Z --login-url https://venue.example.com',
          'evcred event create "Cumbre 2026" --starts-at 2026-05-04T09:00 --timezone Europe/Madrid --locale es',
          'evcred event create "Summit" --starts-at 2026-05-04T09:00Z --campaigns default',
        ),
      );
  },
  async run(ctx, args, raw) {
    const options = parseOptions(Options, { ...raw, name: args[0] });
    const startsAt =
      options.startsAt && timeFlagValue("--starts-at", options.startsAt, options.timezone);
    if (options.campaigns && !startsAt) {
      throw new UsageError("--campaigns: the default campaigns are relative to the start", {
        hint: "pass --starts-at too",
      });
    }
    const ws = await ctx.workspace({ create: true });
    // Refused before the event exists: a workspace's own reminder.eta that cannot send codes.
    if (options.campaigns)
      credentialTemplate(ctx.templatesDir, "reminder", { locale: options.locale ?? "en" });
    const who = { actor: ctx.actor, at: ctx.now().toISOString() };
    const { tokenTtl, ...rest } = options;
    const event = await createEvent(
      ws,
      { ...rest, startsAt, fromAddress: options.from, tokenTtlSeconds: tokenTtl },
      who,
    );
    const scheduled: CampaignView[] = [];
    const skipped: string[] = [];
    for (const c of options.campaigns ? DEFAULT_CAMPAIGNS : []) {
      try {
        scheduled.push(await scheduleCampaign(ws, event, c, who));
      } catch (error) {
        if (!(error instanceof CampaignTimeError) || !error.wouldHaveRunAt) throw error;
        skipped.push(
          `${c.when} not scheduled: it would have run at ${formatTime(error.wouldHaveRunAt, { zone: event.timezone })}, already past`,
        );
      }
    }
    const view = eventView(event);
    ctx.out.result(options.campaigns ? { ...view, campaigns: scheduled } : view, () =>
      describeEvent(view),
    );
    ctx.out.success(`event ${event.slug} created`);
    for (const c of scheduled) {
      ctx.out.success(
        `campaign ${c.id} scheduled: ${c.template} to ${c.audience} at ${campaignWhen(c, event)}`,
      );
    }
    for (const line of skipped) ctx.out.warn(line);
    if (scheduled.length) {
      ctx.out.info("they are sent by `evcred campaign run-due` (cron) or `evcred serve`");
      if (!event.fromAddress) ctx.out.warn(noSenderWarning(event.slug, scheduled.length));
    }
  },
});
