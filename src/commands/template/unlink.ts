import { LINK_ACTIONS, parseLinkAction, unlinkTemplate } from "../../domain/links.js";
import { resolveEvent } from "../../domain/events.js";
import { defineCommand, examples } from "../command.js";

export default defineCommand({
  configure(command) {
    command
      .argument("<action>", `the action to unlink: ${LINK_ACTIONS.join(" | ")}`)
      .addHelpText("after", examples("evcred template unlink resend"));
  },
  async run(ctx, args) {
    const action = parseLinkAction(String(args[0]));
    const ws = await ctx.workspace();
    const event = await resolveEvent(ws, ctx.options.event);
    const removed = await unlinkTemplate(ws, event, action, {
      actor: ctx.actor,
      at: ctx.now().toISOString(),
    });
    ctx.out.result({ event: event.slug, ...removed }, () => "");
    ctx.out.success(
      `${action} in ${event.slug} no longer uses ${removed.template}; \`evcred ${action === "reset" ? "reset-code --send" : "resend"}\` is refused until a template is linked`,
    );
  },
});
