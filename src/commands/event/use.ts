import { useEvent } from "../../domain/events.js";
import { defineCommand, examples } from "../command.js";

export default defineCommand({
  configure(command) {
    command
      .argument("<slug>", "the event commands act on from now on")
      .addHelpText("after", examples("evcred event use summit-2026"));
  },
  async run(ctx, args) {
    const ws = await ctx.workspace();
    const event = await useEvent(ws, String(args[0]));
    ctx.out.result({ current: event.slug }, () => "");
    ctx.out.success(`now acting on ${event.slug} (${event.name})`);
  },
});
