import { z } from "zod";
import type { Context } from "../context.js";
import { resolveEvent } from "../domain/events.js";
import { dueForTemplate } from "../domain/recipients.js";
import { UsageError } from "../errors.js";
import { confirmAction } from "../render/questions.js";
import { reportDeliveries } from "../render/send-summary.js";
import { credentialTemplate, deliver, sendTestMessage } from "../mail/deliver.js";
import { renderSample } from "../mail/sample.js";
import { defineCommand, examples } from "./command.js";
import { emailFlag, intFlag, parseOptions } from "./options.js";

const Options = z
  .object({
    template: z.string().min(1).optional(),
    all: z.boolean().default(false),
    toUnsent: z.boolean().default(false),
    dryRun: z.boolean().default(false),
    limit: intFlag(1).optional(),
    rate: z
      .string()
      .regex(/^\d+(\.\d+)?(\/s)?$/, 'expected messages per second, e.g. "10" or "10/s"')
      .transform((s) => Number(s.replace("/s", "")))
      .pipe(z.number().positive("must be above 0").max(10_000, "must be at most 10000"))
      .optional(),
    testTo: emailFlag.optional(),
    insecureSmtp: z.boolean().default(false),
  })
  .refine((o) => !(o.all && o.toUnsent), {
    message: "--all and --to-unsent exclude each other",
    path: ["all"],
  });

export default defineCommand({
  configure(command) {
    command
      .option("--template <name>", "the credentials template (e.g. credentials)")
      .option("--to-unsent", "attendees without this template for their current code (default)")
      .option("--all", "every attendee, even those already sent")
      .option("--dry-run", "render every message and send nothing")
      .option("--limit <n>", "at most N messages")
      .option("--rate <n/s>", "at most N messages per second")
      .option("--test-to <address>", "send one sample, code masked, to this address only")
      .option("--insecure-smtp", "send a password and credential mail to another host without TLS")
      .addHelpText(
        "after",
        examples(
          "evcred send --template credentials",
          "evcred send --template credentials --dry-run",
          "evcred send --template credentials --test-to me@example.com",
          "EVCRED_SMTP_URL=smtp://user:pass@mail.example.com:587 evcred send --template credentials --rate 10/s --yes",
        ),
      );
  },
  async run(ctx, _args, raw) {
    const options = parseOptions(Options, raw);
    if (!options.template) {
      throw new UsageError("--template: which template to send?", {
        hint: "e.g. --template credentials (see `evcred template list`)",
      });
    }
    const ws = await ctx.workspace();
    const event = resolveEvent(ws, ctx.options.event);
    const template = credentialTemplate(ws, options.template);
    const recipients = dueForTemplate(ws, event, template.name, {
      all: options.all,
      limit: options.limit,
    });

    if (options.testTo) {
      const accepted = await sendTestMessage(ctx, ws, {
        ...options,
        event,
        template,
        to: options.testTo,
        sample: recipients[0],
      });
      ctx.out.result({ testTo: options.testTo, messageId: accepted.messageId }, () => "");
      ctx.out.success(`sample sent to ${options.testTo} (code masked): ${accepted.response}`);
      return;
    }
    if (options.dryRun) {
      for (const attendee of recipients) renderSample(template, event, attendee);
      ctx.out.result(
        {
          event: event.slug,
          template: template.name,
          dryRun: true,
          recipients: recipients.map((a) => a.email),
        },
        () => recipients.map((a) => a.email).join("\n"),
      );
      ctx.out.info(
        `dry run: ${recipients.length} message${recipients.length === 1 ? "" : "s"} of ${template.name} rendered for ${event.slug}; nothing sent`,
      );
      return;
    }
    if (recipients.length === 0) {
      ctx.out.result(
        { event: event.slug, template: template.name, sent: 0, failed: [], skipped: 0 },
        () => "",
      );
      ctx.out.info(
        `nobody is due ${template.name} in ${event.slug}: everyone has it for their current code (--all sends again)`,
      );
      return;
    }
    await confirmAction(
      ctx,
      `send ${template.name} to ${recipients.length} attendee${recipients.length === 1 ? "" : "s"} of ${event.slug} via ${describeTransport(ctx)}`,
      { refused: "nothing sent" },
    );
    const summary = await deliver(ctx, ws, {
      ...options,
      event,
      template,
      attendeeIds: recipients.map((a) => a.id),
      onlyDue: !options.all,
      purpose: "send",
    });
    return reportDeliveries(ctx, summary, { event: event.slug, template: template.name });
  },
});

function describeTransport(ctx: Context): string {
  return ctx.env.EVCRED_SMTP_URL
    ? "SMTP"
    : `the outbox folder ${ctx.env.EVCRED_OUTBOX || "./outbox"}`;
}
