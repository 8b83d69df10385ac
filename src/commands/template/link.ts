import { LINK_ACTIONS, parseLinkAction, linkTemplate } from "../../domain/links.js";
import { resolveEvent } from "../../domain/events.js";
import { defineCommand, examples } from "../command.js";

export default defineCommand({
  configure(command) {
    command
      .argument("<action>", `what the template is for: ${LINK_ACTIONS.join(" | ")}`)
      .argument("<name>", "the template (it must carry it.user_email and it.user_pass)")
      .addHelpText(
        "after",
        examples(
          "evcred template link resend credentials",
          "evcred template link reset code-reset --event summit-2026",
        ),
      );
  },
  async run(ctx, args) {
    const action = parseLinkAction(String(args[0]));
    const ws = await ctx.workspace();
    const event = await resolveEvent(ws, ctx.options.event);
    const change = await linkTemplate(ws, ctx.templatesDir, event, action, String(args[1]), {
      actor: ctx.actor,
      at: ctx.now().toISOString(),
    });
    ctx.out.result({ event: event.slug, ...change, previous: change.previous ?? null }, () => "");
    if (!change.changed) ctx.out.info(`${action} in ${event.slug} already uses ${change.template}`);
    else
      ctx.out.success(
        `${action} in ${event.slug} now uses ${change.template}${change.previous ? ` (was ${change.previous})` : ""}`,
      );
  },
});
