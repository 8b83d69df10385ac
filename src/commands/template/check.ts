import { dirname } from "node:path";
import { checkSamples } from "../../mail/sample.js";
import { checkTemplate, loadTemplate } from "../../mail/templates.js";
import { defineCommand, examples } from "../command.js";
import { sampleContext } from "./sample-context.js";

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
    const ws = await ctx.workspace();
    const { event, fieldNames } = sampleContext(ws, ctx.options.event);
    const template = loadTemplate(dirname(ws.path), String(args[0]), event?.locale);
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
      },
      () => "",
    );
    ctx.out.success(
      `${template.name} (${template.origin}): compiles, renders for ${samples.length} samples${event ? ` of ${event.slug}` : ""}, and carries it.user_email and it.user_pass${template.parts.html ? " in the text and HTML bodies" : " (text only, no HTML body)"}`,
    );
  },
});
