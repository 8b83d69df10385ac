import { revokeVenueKey } from "../../domain/venue-keys.js";
import { defineCommand, examples } from "../command.js";

export default defineCommand({
  configure(command) {
    command
      .argument("<key>", "the key's id or name, as `venue-key list` shows")
      .addHelpText(
        "after",
        examples("evcred venue-key revoke venue-prod", "evcred venue-key revoke 3 --json") +
          "\nThe key stops working at once, for every running `evcred serve`.\n",
      );
  },
  async run(ctx, args) {
    const ws = await ctx.workspace();
    const view = await revokeVenueKey(ws, String(args[0]), {
      actor: ctx.actor,
      at: ctx.now().toISOString(),
    });
    ctx.out.result({ ...view, revoked: true }, () => "");
    ctx.out.success(`venue key ${view.name} (#${view.id}) revoked`);
  },
});
