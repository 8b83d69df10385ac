import { currentEventSlug, listEvents } from "../../domain/events.js";
import { eventStart, eventView } from "../../render/event-view.js";
import { countAttendees } from "../../domain/attendees.js";
import { defineCommand, examples } from "../command.js";

export default defineCommand({
  configure(command) {
    command.addHelpText("after", examples("evcred event list", "evcred event list --json"));
  },
  async run(ctx) {
    const ws = await ctx.workspace();
    const current = await currentEventSlug(ws);
    const rows: (ReturnType<typeof eventView> & { current: boolean; attendees: number })[] = [];
    for (const event of await listEvents(ws)) {
      rows.push({
        ...eventView(event),
        current: event.slug === current,
        attendees: await countAttendees(ws, event),
      });
    }
    ctx.out.result(rows, () =>
      rows.length === 0
        ? ""
        : ctx.out.table(rows, [
            { header: "", value: (r) => (r.current ? "*" : "") },
            { header: "SLUG", value: (r) => r.slug },
            { header: "NAME", value: (r) => r.name },
            { header: "STARTS", value: (r) => eventStart(r) ?? "" },
            { header: "ATTENDEES", value: (r) => r.attendees, align: "right" },
          ]),
    );
    if (rows.length === 0) ctx.out.info('no events yet: evcred event create "Summit 2026"');
  },
});
