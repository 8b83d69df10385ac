import * as z from "zod";
import type { Context } from "../context.js";
import { resolveEvent } from "../domain/events.js";
import {
  AUDIENCES,
  audienceOnlyDue,
  countDue,
  dueForTemplate,
  type Audience,
} from "../domain/recipients.js";
import { UsageError } from "../errors.js";
import { confirmAction } from "../render/questions.js";
import { reportDeliveries } from "../render/send-summary.js";
import {
  checkCanSend,
  credentialTemplate,
  prepareDelivery,
  sendTestMessage,
} from "../mail/deliver.js";
import { checkSamples } from "../mail/sample.js";
import { checkTemplate } from "../mail/templates.js";
import { assertRendersForAttendees } from "../mail/attendee-check.js";
import { defineCommand, examples } from "./command.js";
import { deliveryDeps, mailSettings } from "./mail-delivery.js";
import { sampleContext } from "./template/sample-context.js";
import {
  audienceFlag,
  emailFlag,
  intFlag,
  parseOptions,
  rateFlag,
  resolveAudience,
} from "./options.js";

const Options = z
  .object({
    template: z.string().min(1).optional(),
    audience: audienceFlag.optional(),
    all: z.boolean().default(false),
    toUnsent: z.boolean().default(false),
    dryRun: z.boolean().default(false),
    limit: intFlag(1).optional(),
    rate: rateFlag.optional(),
    testTo: emailFlag.optional(),
    insecureSmtp: z.boolean().default(false),
  })
  .refine((o) => !(o.all && o.toUnsent), {
    message: "--all and --to-unsent exclude each other",
    path: ["all"],
  })
  .transform((o, ctx) => {
    const audience = resolveAudience(o.audience, o.all, o.toUnsent);
    if (!audience.ok)
      ctx.addIssue({ code: "custom", message: audience.reason, path: ["audience"] });
    return { ...o, audience: audience.ok ? audience.audience : "unsent" };
  });

export default defineCommand({
  configure(command) {
    command
      .option("--template <name>", "the credentials template (e.g. credentials)")
      .option(
        "--audience <who>",
        `${AUDIENCES.join(" | ")} (default unsent: not sent this template yet)`,
      )
      .option("--to-unsent", "the same as --audience unsent")
      .option("--all", "the same as --audience all: every attendee, even those already sent")
      .option("--dry-run", "render every message and send nothing")
      .option("--limit <n>", "at most N messages")
      .option(
        "--rate <n/unit>",
        "at most N messages per second, minute or hour: 10/s, 600/min, 5000/h",
      )
      .option("--test-to <address>", "send one sample, code masked, to this address only")
      .option("--insecure-smtp", "send a password and credential mail to another host without TLS")
      .addHelpText(
        "after",
        examples(
          "evcred send --template credentials",
          "evcred send --template credentials --dry-run",
          "evcred send --template credentials --test-to me@example.com",
          "evcred send --template reminder --audience not-logged-in",
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
    const event = await resolveEvent(ws, ctx.options.event);
    const template = credentialTemplate(ctx.templatesDir, options.template, event);
    const recipients = await dueForTemplate(ws, event, template.name, {
      audience: options.audience,
      limit: options.limit,
    });
    // Before any question or message: a template that breaks for some of them stops here.
    await assertRendersForAttendees(
      template,
      event,
      recipients,
      `attendees due it in ${event.slug}`,
    );

    if (options.testTo) {
      const accepted = await sendTestMessage(deliveryDeps(ctx, mailSettings(ctx, options)), ws, {
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
      // What the real send would refuse, the dry run refuses too: settings, key, sender.
      await checkCanSend(mailSettings(ctx, options), ws, event);
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
      ctx.out.info(`nobody is due ${template.name} in ${event.slug}: ${NOBODY[options.audience]}`);
      return;
    }
    // Everything that could refuse the send before the question: the template as
    // `template check` renders it, then the sender, settings, key and server.
    checkTemplate(template, checkSamples(event, (await sampleContext(ws, event.slug)).fieldNames));
    const ready = await prepareDelivery(deliveryDeps(ctx, mailSettings(ctx, options)), ws, {
      ...options,
      event,
      template,
      attendeeIds: recipients.map((a) => a.id),
      onlyDue: audienceOnlyDue(options.audience),
      purpose: "send",
    });
    let summary;
    try {
      await confirmAction(
        ctx,
        `send ${template.name} to ${recipients.length} attendee${recipients.length === 1 ? "" : "s"} of ${event.slug} via ${describeTransport(ctx)}`,
        { refused: "nothing sent" },
      );
      summary = await ready.run();
    } finally {
      ready.close();
    }
    return reportDeliveries(
      ctx,
      summary,
      { event: event.slug, template: template.name },
      {
        template: template.name,
        stillDue: await countDue(ws, event, template.name),
        // The rest of this run's list is the lowest ids still due: those not sent, and the failed.
        next: finishRun(
          event.slug,
          template.name,
          options,
          summary.notSent + summary.failed.length,
        ),
      },
    );
  },
});

/**
 * How to send the rest of a run cut short, when the same command would not: with `--limit` it
 * would send N more, with `--audience all` (or not-logged-in) mail the same people again.
 */
function finishRun(
  event: string,
  template: string,
  options: { audience: Audience; limit?: number | undefined },
  rest: number,
): string | undefined {
  const command = `evcred send --template ${template} --event ${event}`;
  if (options.audience === "all")
    return `\`${command}\` sends to those still due; with --all it sends to everyone again`;
  if (options.audience === "not-logged-in")
    return `\`${command}\` sends to those still due; with --audience not-logged-in it sends to everyone not logged in again`;
  if (options.limit !== undefined) return `to finish this run: ${command} --limit ${rest}`;
  return undefined;
}

const NOBODY: Readonly<Record<Audience, string>> = {
  unsent: "everyone has it for their current code (--audience all sends again)",
  all: "the event has no attendees",
  "not-logged-in": "every attendee has logged in",
};

function describeTransport(ctx: Context): string {
  return ctx.env.EVCRED_SMTP_URL
    ? "SMTP"
    : `the outbox folder ${ctx.env.EVCRED_OUTBOX || "./outbox"}`;
}
