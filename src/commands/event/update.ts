import * as z from "zod";
import { listCampaigns } from "../../domain/campaigns.js";
import { resolveEvent, updateEvent } from "../../domain/events.js";
import { campaignWhen } from "../../render/campaigns.js";
import { describeEvent, eventView } from "../../render/event-view.js";
import { defineCommand, examples } from "../command.js";
import { EventFlags, parseOptions, timeFlagValue } from "../options.js";
import { tokenSecretFile } from "./token-secret.js";

const Options = EventFlags.partial().extend({ tokenSecretFile: z.string().optional() });

export default defineCommand({
  configure(command) {
    command
      .argument("[slug]", "the event to change (default: the current one)")
      .option("--name <name>", "new name")
      .option("--slug <slug>", "new slug")
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
      .option("--code-length <n>", "length of codes generated from now on (8-32)")
      .option("--token-audience <aud>", "the login tokens' aud claim (default: the slug)")
      .option("--token-ttl <duration>", "how long a login token is valid: 90m, 24h, 7d")
      .option(
        "--token-secret-file <path>",
        'sign this event\'s tokens HS256 with the secret in PATH (venueless); "none" goes back to EdDSA',
      )
      .addHelpText(
        "after",
        examples(
          "evcred event update --login-url https://venue.example.com/login",
          "evcred event update --timezone Europe/Madrid --starts-at 2026-05-04T09:00",
          'evcred event update summit-2026 --from "Summit Team <team@summit.example>"',
          "evcred event update --token-audience venueless --token-ttl 7d --token-secret-file ./venueless.secret",
        ),
      );
  },
  async run(ctx, args, raw) {
    const options = parseOptions(Options, raw);
    const ws = await ctx.workspace();
    const named = typeof args[0] === "string" ? args[0] : ctx.options.event;
    const event = await resolveEvent(ws, named);
    const { from, startsAt, tokenTtl, tokenSecretFile: secretFile, ...rest } = options;
    const zone = options.timezone ?? event.timezone;
    const row = await updateEvent(
      ws,
      event.slug,
      {
        ...rest,
        startsAt: startsAt && timeFlagValue("--starts-at", startsAt, zone),
        fromAddress: from,
        tokenTtlSeconds: tokenTtl,
        tokenSecretFile: secretFile === undefined ? undefined : tokenSecretFile(ctx, secretFile),
      },
      { actor: ctx.actor, at: ctx.now().toISOString() },
    );
    const view = eventView(row);
    ctx.out.result(view, () => describeEvent(view));
    ctx.out.success(`event ${row.slug} updated`);
    if (row.startsAt === event.startsAt && row.timezone === event.timezone) return;
    // Relative campaigns are resolved against the start when they run: say where they land now.
    const now = ctx.now().getTime();
    for (const c of await listCampaigns(ws, row)) {
      if (c.status !== "scheduled" || !c.relative) continue;
      const line = `campaign ${c.id} (${c.template}) moves with it: ${campaignWhen(c, row)}`;
      if (c.dueAt && Date.parse(c.dueAt) <= now) {
        ctx.out.warn(`${line}, already past: the next run-due sends it, or marks it missed`);
      } else ctx.out.info(line);
    }
  },
});
