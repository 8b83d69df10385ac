import { requireEvent, resolveEvent } from "../../domain/events.js";
import { describeEvent, eventView } from "../../render/event-view.js";
import { countAttendees } from "../../domain/attendees.js";
import { defineCommand, examples } from "../command.js";

export default defineCommand({
  configure(command) {
    command
      .argument("[slug]", "the event (default: the current one)")
      .addHelpText("after", examples("evcred event show", "evcred event show summit-2026 --json"));
  },
  async run(ctx, args) {
    const ws = await ctx.workspace();
    const slug = typeof args[0] === "string" ? args[0] : undefined;
    const event = slug ? await requireEvent(ws, slug) : await resolveEvent(ws, ctx.options.event);
    const n = await countAttendees(ws, event);
    const view = { ...eventView(event), attendees: n };
    ctx.out.result(view, () => describeEvent(view, { attendees: n }));
  },
});
