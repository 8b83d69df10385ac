import { eachAttendee } from "../../domain/each-attendee.js";
import { assertRendersForAttendees } from "../../mail/attendee-check.js";
import { checkSamples } from "../../mail/sample.js";
import { checkTemplate, loadTemplate } from "../../mail/templates.js";
import { defineCommand, examples } from "../command.js";
import { NO_WORKSPACE, sampleContext, templateWorkspace } from "./sample-context.js";

export default defineCommand({
  configure(command) {
    command
      .argument("<name>", "the template to check")
      .addHelpText(
        "after",
        examples("evcred template check credentials", "evcred template check welcome-fr --json"),
      );
  },
  async run(ctx, args) {
    const ws = await templateWorkspace(ctx);
    const { event, fieldNames } = ws ? await sampleContext(ws, ctx.options.event) : NO_WORKSPACE;
    const template = loadTemplate(ctx.templatesDir, String(args[0]), event?.locale);
    // The real attendees first (all of them, a batch at a time): what a send would meet.
    const attendees =
      ws && event
        ? await assertRendersForAttendees(
            template,
            event,
            eachAttendee(ws, event),
            `attendees of ${event.slug}`,
          )
        : 0;
    const samples = checkSamples(event, fieldNames);
    checkTemplate(template, samples);
    ctx.out.result(
      {
        template: template.name,
        origin: template.origin,
        files: template.files,
        html: template.parts.html !== undefined,
        ok: true,
        renderedFor: samples.map((s) => s.label),
        attendees,
      },
      () => "",
    );
    ctx.out.success(
      `${template.name} (${template.origin}): compiles, renders for ${samples.length} samples${attendeesChecked(event?.slug, attendees)}, and carries it.user_email and it.user_pass${template.parts.html ? " in the text and HTML bodies" : " (text only, no HTML body)"}`,
    );
  },
});

function attendeesChecked(slug: string | undefined, count: number): string {
  if (slug === undefined) return "";
  if (count === 0) return ` of ${slug} (no attendees yet)`;
  return ` and ${count === 1 ? "its 1 attendee" : `all ${count} attendees`} of ${slug}`;
}
