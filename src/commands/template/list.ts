import { listLinks } from "../../domain/links.js";
import { listTemplates } from "../../mail/templates.js";
import { defineCommand, examples } from "../command.js";
import { eventIfAny, templateWorkspace } from "./sample-context.js";

export default defineCommand({
  configure(command) {
    command.addHelpText(
      "after",
      examples("evcred template list", "evcred template list --event summit-2026 --json"),
    );
  },
  async run(ctx) {
    const ws = await templateWorkspace(ctx);
    const event = ws ? await eventIfAny(ws, ctx.options.event) : undefined;
    const links = ws && event ? await listLinks(ws, event) : [];
    const templates = listTemplates(ctx.templatesDir, event?.locale).map((t) => ({
      ...t,
      linked: links.filter((l) => l.template === t.name).map((l) => l.action),
    }));
    ctx.out.result({ event: event?.slug ?? null, templates }, () =>
      ctx.out.table(templates, [
        { header: "NAME", value: (t) => t.name },
        {
          header: "ORIGIN",
          value: (t) => (t.overrides ? "workspace (overrides built-in)" : t.origin),
        },
        { header: "HTML", value: (t) => (t.html ? "yes" : "no") },
        { header: "LINKED TO", value: (t) => t.linked.join(", ") },
      ]),
    );
    const unlinked = links.filter((l) => !templates.some((t) => t.name === l.template));
    for (const l of unlinked) {
      ctx.out.warn(`${l.action} is linked to "${l.template}", which does not exist`);
    }
    if (!ws) {
      ctx.out.info(
        ctx.theme.dim(
          `no workspace here (${ctx.workspacePath}): links are per event, after evcred init`,
        ),
      );
    } else if (!event) {
      ctx.out.info(ctx.theme.dim("no event in use: links are per event (--event SLUG)"));
    } else if (!links.length) {
      ctx.out.info(
        ctx.theme.dim(
          `nothing linked in ${event.slug} yet: evcred template link resend credentials`,
        ),
      );
    }
  },
});
