import { count, eq } from "drizzle-orm";
import { currentEventSlug, listEvents } from "../../domain/events.js";
import { eventStart, eventView } from "../../render/event-view.js";
import { attendees } from "../../store/schema.js";
import { defineCommand, examples } from "../command.js";

export default defineCommand({
  configure(command) {
    command.addHelpText("after", examples("evcred event list", "evcred event list --json"));
  },
  async run(ctx) {
    const ws = await ctx.workspace();
    const current = await currentEventSlug(ws);
    const rows = (await listEvents(ws)).map((event) => ({
      ...eventView(event),
      current: event.slug === current,
      attendees:
        ws.db.select({ n: count() }).from(attendees).where(eq(attendees.eventId, event.id)).get()
          ?.n ?? 0,
    }));
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
