import { requireEvent } from "../../domain/events.js";
import { createVenueKey } from "../../domain/venue-keys.js";
import { defineCommand, examples } from "../command.js";

export default defineCommand({
  configure(command) {
    command
      .argument("<name>", "a name for the key, e.g. the venue's (letters, digits, . _ -)")
      .addHelpText(
        "after",
        examples(
          "evcred venue-key create venue-prod --event summit-2026",
          "evcred venue-key create all-events --json",
        ) +
          "\nThe key is printed once, on stdout: configure the venue's server with it now. evcred keeps\n" +
          "only its SHA-256 and cannot show it again. Without --event the key works for every event.\n",
      );
  },
  async run(ctx, args) {
    const ws = await ctx.workspace();
    const event = ctx.options.event ? await requireEvent(ws, ctx.options.event) : undefined;
    const { view, key } = await createVenueKey(
      ws,
      { name: String(args[0]), event },
      { actor: ctx.actor, at: ctx.now().toISOString() },
    );
    ctx.out.result({ ...view, key }, () => key);
    ctx.out.success(
      `venue key ${view.name} (#${view.id}) created for ${view.event ?? "every event"}`,
    );
    ctx.out.info(
      "this is the only time evcred shows the key: store it in the venue's settings now",
    );
  },
});
