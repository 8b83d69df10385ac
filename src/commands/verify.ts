import { resolveEvent } from "../domain/events.js";
import { normalizeEmail } from "../domain/email.js";
import { verifyLogin } from "../domain/logins.js";
import { ExitCode } from "../errors.js";
import { lockEndText } from "../render/time.js";
import { hashParamsFrom } from "../vault/hash.js";
import { defineCommand, examples } from "./command.js";

export default defineCommand({
  configure(command) {
    command
      .argument("<email>", "the email the attendee registered with")
      .argument("<code>", "the access code as typed (case, spaces and dashes do not matter)")
      .addHelpText(
        "after",
        examples(
          "evcred verify ada@example.com K7QM-4XHP-2W",
          "evcred verify ada@example.com k7qm4xhp2w --json",
        ) +
          "\nExit status: 0 the code is right, 1 it is not (or the email is locked after 5 failures in 15 minutes).\n",
      );
  },
  async run(ctx, args) {
    const ws = await ctx.workspace();
    const event = resolveEvent(ws, ctx.options.event);
    const email = normalizeEmail(String(args[0]));
    const params = hashParamsFrom(ctx.env);
    const result = await verifyLogin(ws, event, email, String(args[1]), ctx.now(), params);
    ctx.out.result({ event: event.slug, email, ...result }, () => (result.ok ? "ok" : ""));
    if (result.ok) return ExitCode.ok;
    if (result.outcome === "locked") {
      ctx.out.error(
        `too many failed attempts for ${email}: verification is locked`,
        `try again after ${lockEndText(result.retryAt, event.timezone)}`,
      );
    } else {
      ctx.out.error("wrong email or code");
    }
    return ExitCode.failed;
  },
});
