import * as z from "zod";
import type { Context } from "../context.js";
import { countAttendees } from "../domain/attendees.js";
import { eachAttendee } from "../domain/each-attendee.js";
import { countDue } from "../domain/recipients.js";
import { resolveEvent } from "../domain/events.js";
import { normalizeCode } from "../domain/codes.js";
import {
  checkOrganizerCode,
  resetAllCodes,
  resetCode,
  type CodeChoice,
  type ResetOptions,
} from "../domain/reset.js";
import { DomainError } from "../domain/errors.js";
import { CancelledError, EvcredError, MissingAnswerError, UsageError } from "../errors.js";
import { startProgress } from "../render/progress.js";
import { confirmAction, readSecret } from "../render/questions.js";
import type { AttendeeRow, EventRow } from "../store/schema.js";
import type { Workspace } from "../store/workspace.js";
import { hashParamsFrom } from "../vault/hash.js";
import { linkedTemplate, linkTemplate, suggestedTemplate } from "../domain/links.js";
import {
  checkCanSend,
  credentialTemplate,
  deliver,
  linkedCredentialTemplate,
} from "../mail/deliver.js";
import { assertRendersForAttendees } from "../mail/attendee-check.js";
import type { CompiledTemplate } from "../mail/templates.js";
import { reportDeliveries } from "../render/send-summary.js";
import { defineCommand, examples } from "./command.js";
import { chooseAttendee } from "./choose-attendee.js";
import { cliError } from "./domain-errors.js";
import { deliveryDeps, mailSettings } from "./mail-delivery.js";
import { parseOptions } from "./options.js";

const Options = z.object({
  generate: z.boolean().default(false),
  code: z.string().optional(),
  all: z.boolean().default(false),
  send: z.boolean().default(false),
  insecureSmtp: z.boolean().default(false),
});

const ARGUMENT_WARNING =
  "a code on the command line is visible in `ps` and kept in shell history: next time pass --code - and type or pipe it";
const IMPERSONATION_WARNING =
  "you will know this code, so you could impersonate the attendee; that matters most where attendees message or meet each other. Prefer --generate";

export default defineCommand({
  configure(command) {
    command
      .argument("[email]", "the attendee (asked for, searchable, on a terminal)")
      .option("--generate", "a fresh random code (recommended)")
      .option(
        "--code <code>",
        "a code you choose: 8-32 letters and digits (discouraged); `-` reads it from stdin",
      )
      .option("--all", "every attendee of the event, with --generate (after a leak)")
      .option("--send", "send the new code now, with the template linked to `reset`")
      .option("--insecure-smtp", "send a password and credential mail to another host without TLS")
      .addHelpText(
        "after",
        examples(
          "evcred reset-code",
          "evcred reset-code ada@example.com --generate --yes",
          "evcred reset-code ada@example.com --generate --send --yes",
          "evcred reset-code ada@example.com --code - < code.txt",
          "evcred reset-code --all --generate",
        ) +
          "\nThe old code stops working at once and the attendee is due again for `evcred send`.\n" +
          "A code of your own must not be weak (one symbol repeated, a run like 12345678, a\n" +
          "common word or password, the email's name, the event's slug or name), another\n" +
          "attendee's code or this attendee's current one. Pass it as `--code -`: read from\n" +
          "stdin, or at a hidden prompt on a terminal; a code given on the command line is\n" +
          "visible to every user of the machine (ps, /proc) and is kept in your shell history.\n",
      );
  },
  async run(ctx, args, raw) {
    const options = parseOptions(Options, raw);
    const email = typeof args[0] === "string" ? args[0] : undefined;
    if (options.generate && options.code !== undefined) {
      throw new UsageError("--generate and --code exclude each other; pass one");
    }
    if (options.all && (options.code !== undefined || !options.generate)) {
      throw new UsageError("--all only works with --generate: every attendee gets a random code");
    }
    if (options.all && email !== undefined) {
      throw new UsageError(`pass EMAIL or --all, not both (got ${email})`);
    }
    const ws = await ctx.workspace();
    const event = await resolveEvent(ws, ctx.options.event);
    // Checked before anything changes: a reset that cannot be sent as asked does not happen.
    const template = options.send
      ? await linkedCredentialTemplate(ws, ctx.templatesDir, event, "reset")
      : undefined;
    if (template) await checkCanSend(mailSettings(ctx, options), ws, event);
    if (options.all) {
      if (template) {
        await assertRendersForAttendees(
          template,
          event,
          eachAttendee(ws, event),
          `attendees of ${event.slug}`,
        );
      }
      const rows = await resetEveryone(ctx, ws, event, template === undefined);
      return template
        ? sendNewCodes(ctx, ws, event, template, rows, options.insecureSmtp, true)
        : undefined;
    }

    const attendee = await chooseAttendee(ctx, ws, event, email);
    // A message that cannot be made for them stops the reset before anything changes.
    if (template)
      await assertRendersForAttendees(template, event, [attendee], `attendees to reset`);
    const choice = await askChoice(ctx, ws, event, attendee, options.code, options.generate);
    await confirmAction(ctx, `give ${attendee.email} a new code`, {
      consequence: "Their current code stops working at once.",
      refused: "nothing changed",
    });
    const row = await resetCode(ws, event, attendee, choice, resetOptions(ctx));
    const sendWith = template ?? (await offerToSend(ctx, ws, event));
    if (sendWith) return sendNewCodes(ctx, ws, event, sendWith, [row], options.insecureSmtp);
    ctx.out.result(
      {
        event: event.slug,
        email: row.email,
        codeSource: row.codeSource,
        codeVersion: row.codeVersion,
        codeChangedAt: row.codeChangedAt,
      },
      () => "",
    );
    ctx.out.success(
      `${row.email} has a new ${choice.kind === "organizer" ? "code of your choice" : "code"}; the old one no longer works`,
    );
    ctx.out.info(
      `they do not have it yet: the next \`evcred send\` picks them up, or send it now with \`evcred resend ${row.email}\``,
    );
  },
});

/** `announce`: print the result (a send that follows prints its own). */
async function resetEveryone(
  ctx: Context,
  ws: Workspace,
  event: EventRow,
  announce: boolean,
): Promise<AttendeeRow[]> {
  const count = await countAttendees(ws, event);
  if (count === 0) throw new UsageError(`${event.slug} has no attendees; nothing to reset`);
  await confirmAction(ctx, `give all ${count} attendees of ${event.slug} new codes`, {
    consequence: "Every current code stops working at once.",
    refused: "nothing changed",
  });
  const progress = await startProgress(ctx, "hashing codes");
  // Ctrl-C from here on stops the hashing; no code changes until all are ready, so none does.
  const signal = ctx.takeInterrupts();
  let rows: AttendeeRow[];
  try {
    rows = await resetAllCodes(ws, event, {
      ...resetOptions(ctx),
      onProgress: (done, total) => {
        progress.update(done, total);
      },
      signal,
    });
  } catch (error) {
    if (!signal.aborted) throw error;
    throw new CancelledError(
      `interrupted: nothing changed, all ${count} attendees of ${event.slug} still hold their current codes (every code changes in one transaction, or none does); to reset them, rerun: evcred reset-code --all --generate${announce ? "" : " --send"} --event ${event.slug}`,
    );
  } finally {
    progress.stop();
  }
  ctx.out.success(
    `${rows.length} attendees of ${event.slug} have new codes; the old ones no longer work`,
  );
  if (!announce) return rows;
  ctx.out.result({ event: event.slug, reset: rows.length, codeSource: "generated" }, () => "");
  ctx.out.info("nobody has their new code yet: send them with `evcred send --template NAME`");
  return rows;
}

/**
 * On a terminal, after a guided reset: offer to send the new code right away, with the template
 * linked to `reset`, else the one linked to `resend`; with neither, offer to link the built-in
 * `code-reset` to `reset` (audited) and send with it.
 */
async function offerToSend(
  ctx: Context,
  ws: Workspace,
  event: EventRow,
): Promise<CompiledTemplate | undefined> {
  if (ctx.options.yes || !ctx.canPrompt()) return undefined;
  try {
    await checkCanSend(mailSettings(ctx, { insecureSmtp: false }), ws, event);
  } catch (thrown) {
    // The reset is done: say why it cannot be sent now rather than fail the command.
    const error = cliError(thrown);
    if (!(error instanceof UsageError)) throw error;
    ctx.out.warn(`not offering to send it: ${error.message}`);
    return undefined;
  }
  const reset = await linkedTemplate(ws, event, "reset");
  const resend = reset === undefined ? await linkedTemplate(ws, event, "resend") : undefined;
  const linked = reset ?? resend;
  if (linked !== undefined) {
    const why = reset === undefined ? " (linked to resend; nothing is linked to reset)" : "";
    return (await ctx.prompter.confirm(
      `Send the new code now with template ${linked}${why}?`,
      true,
    ))
      ? credentialTemplate(ctx.templatesDir, linked, event)
      : undefined;
  }
  const suggested = suggestedTemplate("reset");
  const chosen = await ctx.prompter.select<string>(
    `Send the new code now? No template is linked to reset or resend in ${event.slug}.`,
    [
      { name: `yes, with ${suggested}, and link it to reset for next time`, value: suggested },
      { name: "not now", value: "" },
    ],
  );
  if (chosen === "") return undefined;
  try {
    await linkTemplate(ws, ctx.templatesDir, event, "reset", chosen, {
      actor: ctx.actor,
      at: ctx.now().toISOString(),
    });
  } catch (thrown) {
    const error = cliError(thrown);
    if (!(error instanceof UsageError)) throw error;
    ctx.out.warn(`not sending it: ${error.message}`);
    return undefined;
  }
  ctx.out.info(`linked ${chosen} to reset for ${event.slug}`);
  return credentialTemplate(ctx.templatesDir, chosen, event);
}

async function sendNewCodes(
  ctx: Context,
  ws: Workspace,
  event: EventRow,
  template: CompiledTemplate,
  rows: readonly AttendeeRow[],
  insecureSmtp: boolean,
  everyone = false,
): Promise<number> {
  const summary = await deliver(deliveryDeps(ctx, mailSettings(ctx, { insecureSmtp })), ws, {
    event,
    template,
    attendeeIds: rows.map((r) => r.id),
    onlyDue: false,
    purpose: "reset",
    email: rows.length === 1 ? rows[0]?.email : undefined,
  });
  // After a reset of all, everyone is due the template until it reaches them, so `send` finishes
  // a run cut short; rerunning this command would change every code again.
  const left = everyone
    ? {
        template: template.name,
        stillDue: await countDue(ws, event, template.name),
        next: `to send the rest: evcred send --template ${template.name} --event ${event.slug}`,
      }
    : undefined;
  return reportDeliveries(
    ctx,
    summary,
    { event: event.slug, template: template.name, reset: String(rows.length) },
    left,
  );
}

async function askChoice(
  ctx: Context,
  ws: Workspace,
  event: EventRow,
  attendee: AttendeeRow,
  code: string | undefined,
  generate: boolean,
): Promise<CodeChoice> {
  if (generate) return { kind: "generate" };
  if (code === "-" && ctx.io.stdinIsTTY) {
    if (!ctx.canPrompt()) throw new MissingAnswerError("your code", "the code on stdin");
    ctx.out.warn(IMPERSONATION_WARNING);
    return askOwnCode(ctx, ws, event, attendee);
  }
  if (code !== undefined) {
    const typed = code === "-" ? await readSecret(ctx, "Code:", "--code -") : code;
    await checkOrganizerCode(ws, await ws.vault(), event, attendee, typed);
    ctx.out.warn(IMPERSONATION_WARNING);
    if (code !== "-") ctx.out.warn(ARGUMENT_WARNING);
    return { kind: "organizer", code: typed };
  }
  if (!ctx.canPrompt()) {
    throw new MissingAnswerError("a generated code or one of yours", "--generate or --code CODE");
  }
  const kind = await ctx.prompter.select<CodeChoice["kind"]>(`New code for ${attendee.email}:`, [
    { name: "generate a new code (recommended)", value: "generate" },
    { name: "set a code myself", value: "organizer" },
  ]);
  if (kind === "generate") return { kind };
  ctx.out.warn(IMPERSONATION_WARNING);
  return askOwnCode(ctx, ws, event, attendee);
}

/** The organizer's code at a hidden prompt, twice, a weak or mistyped one asked again. */
async function askOwnCode(
  ctx: Context,
  ws: Workspace,
  event: EventRow,
  attendee: AttendeeRow,
): Promise<CodeChoice> {
  for (let attempt = 1; ; attempt++) {
    const typed = await ctx.prompter.password("Code (8-32 letters and digits):");
    try {
      await checkOrganizerCode(ws, await ws.vault(), event, attendee, typed);
    } catch (thrown) {
      if (!(thrown instanceof DomainError) || attempt === 3) throw thrown;
      // Typed at this prompt: said without the flag's name.
      const error = cliError(thrown, { input: null });
      if (!(error instanceof EvcredError)) throw error;
      ctx.out.error(error.message, error.hint);
      continue;
    }
    const again = await ctx.prompter.password("The same code again:");
    if (normalizeCode(again) === normalizeCode(typed)) {
      return { kind: "organizer", code: typed };
    }
    if (attempt === 3) throw new UsageError("the two codes typed differ; nothing changed");
    ctx.out.error("the two codes differ; type it again");
  }
}

/** Taken after the questions, so the recorded time is when the change happened. */
function resetOptions(ctx: Context): ResetOptions {
  return {
    hashParams: hashParamsFrom(ctx.env),
    who: { actor: ctx.actor, at: ctx.now().toISOString() },
  };
}
