import * as z from "zod";
import { scheduleCampaign } from "../../domain/campaigns.js";
import { resolveEvent } from "../../domain/events.js";
import { AUDIENCES } from "../../domain/recipients.js";
import { UsageError } from "../../errors.js";
import { credentialTemplate } from "../../mail/deliver.js";
import { campaignWhen, noSenderWarning } from "../../render/campaigns.js";
import { defineCommand, examples } from "../command.js";
import { audienceFlag, parseOptions } from "../options.js";
import { withAtFlag } from "./at-flag.js";

const Options = z.object({
  // Empty is unset: asked for below, in the command's words.
  template: z.string().optional(),
  at: z.string().optional(),
  audience: audienceFlag.default("all"),
});

export default defineCommand({
  configure(command) {
    command
      .option("--template <name>", "the template to send (it must carry the email and the code)")
      .option(
        "--at <when>",
        "relative to the event's start: -3h, -90m, -1d, -1d@09:00 (09:00 the day before, in the event's zone); or an ISO time",
      )
      .option(
        "--audience <who>",
        `${AUDIENCES.join(" | ")}, resolved when it runs (default all; unsent: no email has their current code yet)`,
      )
      .addHelpText(
        "after",
        examples(
          "evcred campaign add --template reminder --at -1d@09:00",
          "evcred campaign add --template reminder --at -3h --audience not-logged-in",
          "evcred campaign add --template credentials --at 2026-05-03T18:00+02:00 --audience unsent",
        ),
      );
  },
  async run(ctx, _args, raw) {
    const options = parseOptions(Options, raw);
    if (!options.template) {
      throw new UsageError("--template: which template should the campaign send?", {
        hint: "e.g. --template reminder (see `evcred template list`)",
      });
    }
    if (!options.at) {
      throw new UsageError("--at: when should the campaign run?", {
        hint: "e.g. --at -1d@09:00, --at -3h, or an ISO time such as 2026-05-03T18:00+02:00",
      });
    }
    const ws = await ctx.workspace();
    const event = await resolveEvent(ws, ctx.options.event);
    const template = credentialTemplate(ctx.templatesDir, options.template, event);
    const at = options.at;
    const view = await withAtFlag(event.timezone, () =>
      scheduleCampaign(
        ws,
        event,
        { template: template.name, audience: options.audience, when: at },
        { actor: ctx.actor, at: ctx.now().toISOString() },
      ),
    );
    ctx.out.result(view, () => "");
    ctx.out.success(
      `campaign ${view.id} scheduled for ${event.slug}: ${view.template} to ${view.audience} at ${campaignWhen(view, event)}`,
    );
    ctx.out.info("it is sent by `evcred campaign run-due` (cron) or `evcred serve`");
    if (!event.fromAddress) ctx.out.warn(noSenderWarning(event.slug, 1));
  },
});
