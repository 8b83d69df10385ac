import * as z from "zod";
import { requireAttendee } from "../domain/attendees.js";
import { resolveEvent } from "../domain/events.js";
import { deliver, linkedCredentialTemplate } from "../mail/deliver.js";
import { assertRendersForAttendees } from "../mail/attendee-check.js";
import { reportDeliveries } from "../render/send-summary.js";
import { defineCommand, examples } from "./command.js";
import { deliveryDeps, mailSettings } from "./mail-delivery.js";
import { parseOptions } from "./options.js";

const Options = z.object({ insecureSmtp: z.boolean().default(false) });

export default defineCommand({
  configure(command) {
    command
      .argument("<email>", "the attendee whose credentials go out again (same code)")
      .option("--insecure-smtp", "send a password and credential mail to another host without TLS")
      .addHelpText(
        "after",
        examples("evcred template link resend credentials", "evcred resend ada@example.com"),
      );
  },
  async run(ctx, args, raw) {
    const options = parseOptions(Options, raw);
    const ws = await ctx.workspace();
    const event = await resolveEvent(ws, ctx.options.event);
    const attendee = await requireAttendee(ws, event, String(args[0]));
    const template = await linkedCredentialTemplate(ws, ctx.templatesDir, event, "resend");
    await assertRendersForAttendees(template, event, [attendee], `attendees to resend to`);
    const summary = await deliver(deliveryDeps(ctx, mailSettings(ctx, options)), ws, {
      event,
      template,
      attendeeIds: [attendee.id],
      onlyDue: false,
      purpose: "resend",
      email: attendee.email,
    });
    return reportDeliveries(ctx, summary, {
      event: event.slug,
      template: template.name,
      email: attendee.email,
    });
  },
});
