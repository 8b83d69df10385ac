import { resolveEvent } from "../domain/events.js";
import { assertLoginEmail, verifyLogin } from "../domain/logins.js";
import { ExitCode } from "../errors.js";
import { lockEndText } from "../render/time.js";
import { readSecret } from "../render/questions.js";
import { hashParamsFrom } from "../vault/hash.js";
import { defineCommand, examples } from "./command.js";

export default defineCommand({
  configure(command) {
    command
      .argument("<email>", "the email the attendee registered with")
      .argument(
        "[code]",
        "the access code as typed (case, spaces and dashes do not matter); without it, read from stdin",
      )
      .addHelpText(
        "after",
        examples(
          "evcred verify ada@example.com",
          "evcred verify ada@example.com < code.txt",
          "evcred verify ada@example.com K7QM-4XHP-2W --json",
        ) +
          "\nWithout CODE the code is read from stdin, or at a hidden prompt on a terminal: a code\n" +
          "given as an argument is visible to every user of the machine (ps, /proc) and is kept in\n" +
          "your shell history. Venues check logins through the API of `evcred serve`, not this.\n" +
          "\nExit status: 0 the code is right, 1 it is not (or the email is locked after 5 failures in 15 minutes).\n",
      );
  },
  async run(ctx, args) {
    const ws = await ctx.workspace();
    const event = await resolveEvent(ws, ctx.options.event);
    const email = assertLoginEmail(String(args[0]));
    const params = hashParamsFrom(ctx.env);
    const code =
      typeof args[1] === "string"
        ? args[1]
        : await readSecret(ctx, `Access code for ${email}:`, "CODE");
    const result = await verifyLogin(ws, event, email, code, ctx.now(), params);
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
