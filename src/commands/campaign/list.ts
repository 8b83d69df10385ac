import { listCampaigns } from "../../domain/campaigns.js";
import { resolveEvent } from "../../domain/events.js";
import { campaignTable } from "../../render/campaigns.js";
import { defineCommand, examples } from "../command.js";

export default defineCommand({
  configure(command) {
    command.addHelpText(
      "after",
      examples("evcred campaign list", "evcred campaign list --event summit-2026 --json"),
    );
  },
  async run(ctx) {
    const ws = await ctx.workspace();
    const event = await resolveEvent(ws, ctx.options.event);
    const views = await listCampaigns(ws, event);
    ctx.out.result(views, () => (views.length ? campaignTable(ctx.out, views, event) : ""));
    if (views.length === 0) {
      ctx.out.info(
        `no campaigns for ${event.slug}: evcred campaign add --template reminder --at -1d@09:00`,
      );
    }
  },
});
