import * as z from "zod";
import { exportTable } from "../../domain/attendee-export.js";
import { ATTENDEE_STATUSES, listAttendees } from "../../domain/attendees.js";
import { csvText } from "../../domain/csv-export.js";
import { resolveEvent } from "../../domain/events.js";
import { safeOutputPath, writeOutputFile } from "../../render/output-file.js";
import { defineCommand, examples } from "../command.js";
import { parseOptions } from "../options.js";

const Options = z.object({
  status: z
    .enum(ATTENDEE_STATUSES, { message: `expected one of: ${ATTENDEE_STATUSES.join(", ")}` })
    .optional(),
  output: z.string().min(1, "expected a file name").optional(),
});

export default defineCommand({
  configure(command) {
    command
      .option("--status <status>", `only ${ATTENDEE_STATUSES.join(" | ")}`)
      .option("--output <file>", "write the CSV to FILE (mode 0600) instead of stdout")
      .addHelpText(
        "after",
        examples(
          "evcred attendees export --output attendees.csv",
          "evcred attendees export --status failed --output bounces.csv",
          "evcred attendees export --status locked",
        ) +
          "\nColumns: email, first_name, last_name, the custom fields, delivery_status\n" +
          "(sent | failed | pending | unsent, for the current code), last_delivery_at,\n" +
          "delivery_error (the server's reply, when failed), logged_in (yes | no), last_login_at,\n" +
          "locked_until (times in UTC). Never a code. Cells a spreadsheet would run as a formula\n" +
          "are prefixed with '. With --json, the same rows as JSON (or, with --output, a summary).\n",
      );
  },
  async run(ctx, _args, raw) {
    const options = parseOptions(Options, raw);
    const ws = await ctx.workspace();
    const event = await resolveEvent(ws, ctx.options.event);
    const output = options.output ? safeOutputPath(ctx, "--output", options.output) : undefined;
    const attendees = await listAttendees(ws, event, { status: options.status, now: ctx.now() });
    const table = exportTable(attendees);
    const summary = { event: event.slug, status: options.status ?? null, count: attendees.length };
    if (output) {
      writeOutputFile("--output", output, csvText(table.header, table.rows));
      ctx.out.result({ ...summary, output }, () => "");
      ctx.out.success(
        `${attendees.length} attendee${attendees.length === 1 ? "" : "s"} of ${event.slug} written to ${options.output ?? output} (readable by you only)`,
      );
      return;
    }
    ctx.out.result(
      {
        ...summary,
        attendees: table.rows.map((row) =>
          Object.fromEntries(table.header.map((h, i) => [h, row[i] ?? ""])),
        ),
      },
      () => csvText(table.header, table.rows),
    );
  },
});
