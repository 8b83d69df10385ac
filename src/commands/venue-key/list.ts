import { listVenueKeys } from "../../domain/venue-keys.js";
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
    const rows = listVenueKeys(ws);
    ctx.out.result(rows, () =>
      rows.length === 0
        ? ""
        : ctx.out.table(rows, [
            { header: "ID", value: (r) => r.id, align: "right" },
            { header: "NAME", value: (r) => r.name },
            { header: "EVENT", value: (r) => r.event ?? "all" },
            { header: "CREATED", value: (r) => r.createdAt },
            { header: "LAST USED", value: (r) => r.lastUsedAt ?? "never" },
          ]),
    );
    if (rows.length === 0) ctx.out.info("no venue keys yet: evcred venue-key create NAME");
  },
});
