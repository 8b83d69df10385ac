import * as z from "zod";
import type { Context } from "../context.js";
import { requireAttendee } from "../domain/attendees.js";
import { resolveEvent } from "../domain/events.js";
import { UsageError } from "../errors.js";
import { sampleVars, SAMPLE_ATTENDEE } from "../mail/sample.js";
import { publicUrlFrom } from "../mail/settings.js";
import { assertCredentialTemplate, loadTemplate } from "../mail/templates.js";
import { safeOutputPath, writeOutputFile } from "../render/output-file.js";
import { defineCommand, examples } from "./command.js";
import { emailFlag, parseOptions } from "./options.js";
import { NO_WORKSPACE, sampleContext, templateWorkspace } from "./template/sample-context.js";
import { shownIn } from "../mail/templates-dir.js";

const Options = z.object({
  name: z.string().min(1),
  to: emailFlag.optional(),
  html: z.string().min(1, "name a file, e.g. --html preview.html").optional(),
});

export default defineCommand({
  configure(command) {
    command
      .argument("<name>", "the template to render")
      .option("--to <email>", "render for this attendee of the event (default: a sample one)")
      .option("--html <file>", "write the HTML body to FILE (open it in a browser)")
      .addHelpText(
        "after",
        examples(
          "evcred preview credentials",
          "evcred preview credentials --to ada@example.com --html preview.html",
          "evcred preview reminder --json",
        ),
      );
  },
  async run(ctx, args, raw) {
    const options = parseOptions(Options, { ...raw, name: args[0] });
    // Naming an attendee needs their event (and a workspace); a sample needs neither.
    const { event, attendee, sample } = options.to
      ? await forAttendee(ctx, options.to)
      : await forSample(ctx);
    const template = loadTemplate(ctx.templatesDir, options.name, event?.locale);
    // The code is always masked: a preview never opens a sealed code.
    const vars = sampleVars(event, attendee, sample?.fieldNames, publicUrlFrom(ctx.env));
    const message = template.render(vars);
    const who = attendee ?? SAMPLE_ATTENDEE;
    const to = { name: vars.full_name, address: who.email };

    let htmlFile: string | null = null;
    if (options.html) {
      if (message.html === undefined) {
        throw new UsageError(`template ${template.name} has no HTML body; nothing written`, {
          hint: `add ${shownIn(ctx.templatesDir, `${template.name}.html.eta`)}, or preview the text without --html`,
        });
      }
      htmlFile = safeOutputPath(ctx, "--html", options.html);
      // 0600 like every file evcred writes about attendees: it holds a name and an email.
      writeOutputFile("--html", htmlFile, message.html);
    }

    ctx.out.result(
      {
        template: template.name,
        origin: template.origin,
        event: event?.slug ?? null,
        to,
        sample: attendee === undefined,
        codeMasked: true,
        subject: message.subject,
        text: message.text,
        html: message.html ?? null,
        htmlFile,
      },
      () => {
        const lines = [
          `Subject: ${message.subject}`,
          `To:      ${to.name ? `${to.name} <${to.address}>` : to.address}`,
          "",
          message.text.trimEnd(),
        ];
        if (message.html !== undefined && !htmlFile)
          lines.push("", "----- HTML -----", message.html);
        return lines.join("\n");
      },
    );
    if (attendee === undefined) {
      ctx.out.info(
        ctx.theme.dim(
          `rendered for a sample attendee${event ? ` of ${event.slug}` : " of a sample event"}; ${
            sample.example
              ? `for a real one: evcred preview ${template.name} --to ${sample.example}`
              : "--to followed by an attendee's email renders for a real one"
          }`,
        ),
      );
    }
    ctx.out.info(ctx.theme.dim("the code is masked: a preview never shows a real one"));
    if (htmlFile) ctx.out.success(`HTML body written to ${options.html ?? htmlFile}`);
    else if (message.html === undefined) ctx.out.info(ctx.theme.dim("no HTML body: text only"));
    try {
      assertCredentialTemplate(template);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      ctx.out.warn(`${error.message}: send and resend will refuse it`);
    }
  },
});

async function forAttendee(ctx: Context, email: string) {
  const ws = await ctx.workspace();
  const event = await resolveEvent(ws, ctx.options.event);
  return { event, attendee: await requireAttendee(ws, event, email), sample: undefined };
}

async function forSample(ctx: Context) {
  const ws = await templateWorkspace(ctx);
  const sample = ws ? await sampleContext(ws, ctx.options.event) : NO_WORKSPACE;
  return { event: sample.event, attendee: undefined, sample };
}
