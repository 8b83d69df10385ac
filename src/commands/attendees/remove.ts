import { removeAttendee, requireAttendee } from "../../domain/attendees.js";
import { resolveEvent } from "../../domain/events.js";
import { confirmAction } from "../../render/questions.js";
import { defineCommand, examples } from "../command.js";

export default defineCommand({
  configure(command) {
    command
      .argument("<email>", "the attendee's email")
      .addHelpText(
        "after",
        examples(
          "evcred attendees remove ada@example.com",
          "evcred attendees remove ada@example.com --yes",
        ),
      );
  },
  async run(ctx, args) {
    const ws = await ctx.workspace();
    const event = await resolveEvent(ws, ctx.options.event);
    const email = String(args[0]);
    const attendee = await requireAttendee(ws, event, email);
    await confirmAction(ctx, `remove ${attendee.email} from ${event.slug}`, {
      consequence: "Their code stops working.",
      refused: "nothing removed",
    });
    await removeAttendee(ws, event, email, { actor: ctx.actor, at: ctx.now().toISOString() });
    ctx.out.result({ event: event.slug, removed: attendee.email }, () => "");
    ctx.out.success(`removed ${attendee.email} from ${event.slug}`);
  },
});
