/**
 * Action links: per event, which template `resend` and `reset` send. Only a template that can
 * carry credentials (the email and the code) can be linked; every change is audited.
 */
import { UsageError } from "../errors.js";
import { DomainError } from "./errors.js";
import { assertCredentialTemplate, loadTemplate } from "../mail/templates.js";
import type { TemplatesDir } from "../mail/templates-dir.js";
import type { EventRow } from "../store/schema.js";
import type { Queries } from "../store/store.js";
import { queriesOf, type Workspace } from "../store/workspace.js";
import { recordAudit } from "./audit.js";
import type { Who } from "./events.js";

export const LINK_ACTIONS = ["resend", "reset"] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];

/** The built-in that suits each action, for hints. */
const SUGGESTED: Record<LinkAction, string> = { resend: "credentials", reset: "code-reset" };

/** The built-in to suggest (or offer to link) for ACTION. */
export function suggestedTemplate(action: LinkAction): string {
  return SUGGESTED[action];
}

export interface ActionLink {
  action: LinkAction;
  template: string;
}

export interface LinkChange extends ActionLink {
  /** The template linked before, if any. */
  previous: string | undefined;
  /** False when NAME was already linked: nothing written, nothing audited. */
  changed: boolean;
}

export function isLinkAction(value: string): value is LinkAction {
  return (LINK_ACTIONS as readonly string[]).includes(value);
}

/** The action named on the command line, or a usage error listing the ones there are. */
export function parseLinkAction(value: string): LinkAction {
  if (isLinkAction(value)) return value;
  throw new UsageError(`unknown action "${value}"`, { hint: `one of: ${LINK_ACTIONS.join(", ")}` });
}

export function linkedTemplate(
  q: Queries | Workspace,
  event: EventRow,
  action: LinkAction,
): Promise<string | undefined> {
  return queriesOf(q).links.template(event.id, action);
}

export function listLinks(ws: Workspace, event: EventRow): Promise<ActionLink[]> {
  return ws.store.links.list(event.id);
}

/**
 * Links template NAME to ACTION for EVENT. The template must exist, compile and carry both
 * credential variables (UsageError otherwise, nothing changed).
 */
export async function linkTemplate(
  ws: Workspace,
  templatesDir: TemplatesDir,
  event: EventRow,
  action: LinkAction,
  name: string,
  who: Who,
): Promise<LinkChange> {
  assertCredentialTemplate(loadTemplate(templatesDir, name, event.locale));
  return ws.transaction(async (tx) => {
    const previous = await tx.links.template(event.id, action);
    if (previous === name) return { action, template: name, previous, changed: false };
    await tx.links.set(event.id, action, name);
    await recordAudit(tx, {
      ...who,
      action: "template.link",
      eventId: event.id,
      summary: previous ? `${action}: ${previous} → ${name}` : `${action} → ${name}`,
    });
    return { action, template: name, previous, changed: true };
  });
}

/** Removes ACTION's link for EVENT and returns the template it pointed at. */
export function unlinkTemplate(
  ws: Workspace,
  event: EventRow,
  action: LinkAction,
  who: Who,
): Promise<ActionLink> {
  return ws.transaction(async (tx) => {
    const template = await tx.links.template(event.id, action);
    if (template === undefined) {
      throw new UsageError(`nothing is linked to ${action} for ${event.slug}; nothing changed`, {
        hint: "see the links with: evcred template list",
      });
    }
    await tx.links.remove(event.id, action);
    await recordAudit(tx, {
      ...who,
      action: "template.unlink",
      eventId: event.id,
      summary: `${action} (was ${template})`,
    });
    return { action, template };
  });
}

/** What sending for `action` throws when no template is linked: with the template to link. */
export function noLinkError(event: Pick<EventRow, "slug">, action: LinkAction): DomainError {
  return new DomainError({
    code: "no-linked-template",
    event: event.slug,
    action,
    suggested: SUGGESTED[action],
  });
}
