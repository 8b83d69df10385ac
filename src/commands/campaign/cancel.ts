import { cancelCampaign } from "../../domain/campaigns.js";
import { resolveEvent } from "../../domain/events.js";
import { UsageError } from "../../errors.js";
import { defineCommand, examples } from "../command.js";
import { intFlag } from "../options.js";

const Id = intFlag(1);

export default defineCommand({
  configure(command) {
    command
      .argument("[id]", "the campaign's id (see `evcred campaign list`)")
      .addHelpText("after", examples("evcred campaign cancel 3"));
  },
  async run(ctx, args) {
    const given = typeof args[0] === "string" ? args[0] : undefined;
    if (given === undefined) {
      throw new UsageError("campaign cancel: which campaign?", {
        hint: "pass its id, e.g. evcred campaign cancel 3 (see `evcred campaign list`)",
      });
    }
    const id = Id.safeParse(given);
    if (!id.success) throw new UsageError(`campaign cancel: "${given}" is not a campaign id`);
    const ws = await ctx.workspace();
    const event = await resolveEvent(ws, ctx.options.event);
    const view = await cancelCampaign(ws, event, id.data, {
      actor: ctx.actor,
      at: ctx.now().toISOString(),
    });
    ctx.out.result(view, () => "");
    ctx.out.success(`campaign ${view.id} (${view.template} at ${view.when}) cancelled`);
  },
});
