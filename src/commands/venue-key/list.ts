import { listEvents } from "../../domain/events.js";
import { listVenueKeys } from "../../domain/venue-keys.js";
import { formatTime, zoneLabel } from "../../render/time.js";
import { defineCommand, examples } from "../command.js";

export default defineCommand({
  configure(command) {
    command.addHelpText(
      "after",
      examples("evcred venue-key list", "evcred venue-key list --json") +
        "\nShows each key's id, name, event (or all) and when it was created and last used; never the key.\n",
    );
  },
  async run(ctx) {
    const ws = await ctx.workspace();
    const rows = await listVenueKeys(ws);
    // A key may serve every event: its times are shown in the zone the workspace's events share,
    // else in UTC.
    const zones = new Set((await listEvents(ws)).map((e) => zoneLabel(e.timezone)));
    const zone = zones.size === 1 ? [...zones][0] : undefined;
    const at = (iso: string) => formatTime(iso, { zone, style: "short" });
    ctx.out.result(rows, () =>
      rows.length === 0
        ? ""
        : ctx.out.table(rows, [
            { header: "ID", value: (r) => r.id, align: "right" },
            { header: "NAME", value: (r) => r.name },
            { header: "EVENT", value: (r) => r.event ?? "all" },
            { header: `CREATED (${zoneLabel(zone)})`, value: (r) => at(r.createdAt) },
            { header: "LAST USED", value: (r) => (r.lastUsedAt ? at(r.lastUsedAt) : "never") },
          ]),
    );
    if (rows.length === 0) ctx.out.info("no venue keys yet: evcred venue-key create NAME");
  },
});
