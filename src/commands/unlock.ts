import { resolveEvent } from "../domain/events.js";
import { assertLoginEmail, unlockAttendee } from "../domain/logins.js";
import { lockEndText } from "../render/time.js";
import { defineCommand, examples } from "./command.js";

export default defineCommand({
  configure(command) {
    command
      .argument("<email>", "the attendee whose verification is locked")
      .addHelpText(
        "after",
        examples(
          "evcred attendees list --status locked",
          "evcred unlock ada@example.com",
          "evcred unlock ada@example.com --json",
        ) +
          "\nAfter 5 failed logins in 15 minutes an attendee's verification is locked until the window\n" +
          "passes. `unlock` lifts it now, for every process using the workspace; the attempts before\n" +
          "it no longer count. A new code (`evcred reset-code`) lifts it too. Audited.\n",
      );
  },
  async run(ctx, args) {
    const email = assertLoginEmail(String(args[0]));
    const ws = await ctx.workspace();
    const event = await resolveEvent(ws, ctx.options.event);
    const result = await unlockAttendee(ws, event, email, {
      actor: ctx.actor,
      at: ctx.now().toISOString(),
    });
    ctx.out.result(
      {
        event: event.slug,
        email: result.email,
        unlocked: result.wasLockedUntil !== null,
        wasLockedUntil: result.wasLockedUntil,
        lockedUntil: null,
      },
      () => "",
    );
    if (result.wasLockedUntil === null) {
      ctx.out.info(`${result.email} is not locked; nothing changed`);
    } else {
      ctx.out.success(
        `${result.email} can log in again; the lock would have held until ${lockEndText(result.wasLockedUntil, event.timezone)}`,
      );
    }
  },
});
