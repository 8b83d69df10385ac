import { relative } from "node:path";
import * as z from "zod";
import { createTemplate, isBuiltin } from "../../mail/templates.js";
import { defineCommand, examples } from "../command.js";
import { localeFlag, parseOptions } from "../options.js";
import { eventIfAny, templateWorkspace } from "./sample-context.js";

const Options = z.object({
  name: z.string().min(1),
  from: z.string().min(1, "name a template, e.g. --from credentials").optional(),
  locale: localeFlag.optional(),
});

export default defineCommand({
  configure(command) {
    command
      .argument(
        "<name>",
        "the new template's name: NAME.eta (and NAME.html.eta) in templates/ (or EVCRED_TEMPLATES)",
      )
      .option(
        "--from <template>",
        "copy this one (default: the built-in NAME if there is one, else credentials)",
      )
      .option(
        "--locale <lang>",
        "copy the built-in in this language: en, es, fr, de, pt (default: the event's)",
      )
      .addHelpText(
        "after",
        examples(
          "evcred template new credentials        # your own copy of the built-in, to edit",
          "evcred template new welcome-fr --from credentials --locale fr",
        ) +
          "\nThe files go into the folder EVCRED_TEMPLATES names, else into the\n" +
          "templates/ folder beside the workspace file: ./templates for ./evcred.db,\n" +
          "/srv/summit/templates with --db /srv/summit/evcred.db (or EVCRED_DB). That folder\n" +
          "is where every command looks for your templates (made when missing).\n",
      );
  },
  async run(ctx, args, raw) {
    const options = parseOptions(Options, { ...raw, name: args[0] });
    const from = options.from ?? (isBuiltin(options.name) ? options.name : "credentials");
    // Only files are written, next to the workspace (which need not exist yet): no database.
    const ws = options.locale ? undefined : await templateWorkspace(ctx);
    const locale =
      options.locale ??
      (ws ? (await eventIfAny(ws, ctx.options.event))?.locale : undefined) ??
      "en";
    const files = createTemplate(ctx.templatesDir, options.name, from, locale);
    ctx.out.result({ template: options.name, from, locale, files }, () =>
      files.map((f) => relative(ctx.cwd, f) || f).join("\n"),
    );
    ctx.out.success(
      `template ${options.name} created from ${from} (${locale})${isBuiltin(options.name) ? " (it overrides the built-in)" : ""}; check it with: evcred template check ${options.name}`,
    );
  },
});
