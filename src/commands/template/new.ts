import { dirname, relative } from "node:path";
import { z } from "zod";
import { createTemplate, isBuiltin } from "../../mail/templates.js";
import { defineCommand, examples } from "../command.js";
import { parseOptions } from "../options.js";

const Options = z.object({
  name: z.string().min(1),
  from: z.string().min(1, "name a template, e.g. --from credentials").optional(),
});

export default defineCommand({
  configure(command) {
    command
      .argument("<name>", "the new template's name: NAME.eta (and NAME.html.eta) in templates/")
      .option(
        "--from <template>",
        "copy this one (default: the built-in NAME if there is one, else credentials)",
      )
      .addHelpText(
        "after",
        examples(
          "evcred template new credentials        # your own copy of the built-in, to edit",
          "evcred template new welcome-fr --from credentials",
        ) +
          "\nThe files go into the templates/ folder beside the workspace file: ./templates for\n" +
          "./evcred.db, /srv/summit/templates with --db /srv/summit/evcred.db (or EVCRED_DB).\n" +
          "That folder is where every command looks for your templates.\n",
      );
  },
  run(ctx, args, raw) {
    const options = parseOptions(Options, { ...raw, name: args[0] });
    const from = options.from ?? (isBuiltin(options.name) ? options.name : "credentials");
    // Only files are written, next to the workspace (which need not exist yet): no database.
    const files = createTemplate(dirname(ctx.workspacePath), options.name, from);
    ctx.out.result({ template: options.name, from, files }, () =>
      files.map((f) => relative(ctx.cwd, f) || f).join("\n"),
    );
    ctx.out.success(
      `template ${options.name} created from ${from}${isBuiltin(options.name) ? " (it overrides the built-in)" : ""}; check it with: evcred template check ${options.name}`,
    );
    return Promise.resolve();
  },
});
