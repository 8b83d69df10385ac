/**
 * A template rendered for the real attendees it goes to (code masked) before anything is sent:
 * one that trips on some attendees' data — a CSV column they do not have — fails here, naming
 * the file, the line and who, instead of halfway through a send.
 */
import { maskedCode } from "../domain/codes.js";
import { UsageError } from "../errors.js";
import { templateVars, type AttendeeLike, type EventLike } from "./sample.js";
import { TemplateError, type CompiledTemplate } from "./templates.js";

/** How many emails a report names before it says "and N more". */
const NAMED = 5;

export interface RenderProblem {
  file: string;
  line: number | undefined;
  /** What went wrong, without the place. */
  detail: string;
  /** How many attendees it happens for, and the first few of them. */
  count: number;
  emails: string[];
  /** Custom columns the template uses that some of these attendees do not have. */
  missingFields: string[];
}

export interface RenderCheck {
  checked: number;
  problems: RenderProblem[];
}

/** Renders `template` for each attendee; every distinct failure once, most frequent first. */
export async function renderForAttendees(
  template: CompiledTemplate,
  event: EventLike,
  attendees: Iterable<AttendeeLike> | AsyncIterable<AttendeeLike>,
): Promise<RenderCheck> {
  const pass = maskedCode(event.codeLength);
  const problems = new Map<string, RenderProblem & { missing: Set<string> }>();
  let checked = 0;
  for await (const attendee of attendees) {
    checked++;
    const vars = templateVars(event, attendee, pass);
    try {
      template.render(vars);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      const key = `${error.file}\0${String(error.line)}\0${error.detail}`;
      let problem = problems.get(key);
      if (!problem) {
        problem = {
          file: error.file,
          line: error.line,
          detail: error.detail,
          count: 0,
          emails: [],
          missingFields: [],
          missing: new Set(),
        };
        problems.set(key, problem);
      }
      problem.count++;
      if (problem.emails.length < NAMED) problem.emails.push(attendee.email);
      for (const field of template.fields) {
        if (!Object.hasOwn(vars.fields, field)) problem.missing.add(field);
      }
    }
  }
  return {
    checked,
    problems: [...problems.values()]
      .map(({ missing, ...p }) => ({ ...p, missingFields: [...missing].sort() }))
      .sort((a, b) => b.count - a.count),
  };
}

/**
 * The check as an error (exit 2): each problem at its file:line, how many of the attendees it
 * breaks for and the first of them by email, and what to do about it.
 */
export async function assertRendersForAttendees(
  template: CompiledTemplate,
  event: EventLike,
  attendees: Iterable<AttendeeLike> | AsyncIterable<AttendeeLike>,
  whose: string,
): Promise<number> {
  const { checked, problems } = await renderForAttendees(template, event, attendees);
  const [first] = problems;
  if (!first) return checked;
  const lines = problems.map(
    (p) =>
      `${p.file}${p.line === undefined ? "" : `:${p.line}`}: ${p.detail} — for ${p.count} of ${checked} ${whose}: ${named(p)}${
        p.missingFields.length
          ? ` (no ${p.missingFields.map((f) => `"${f}"`).join(", ")} column)`
          : ""
      }`,
  );
  const field = first.missingFields[0];
  const hint = field
    ? `give those attendees a ${field} value (import them again with the column), or make the template cope without one, e.g. <%= (it.fields.${field} ?? "").toUpperCase() %>; see one with: evcred preview ${template.name} --to ${first.emails[0] ?? "EMAIL"}`
    : `see it with: evcred preview ${template.name} --to ${first.emails[0] ?? "EMAIL"}`;
  throw new UsageError(
    `template ${template.name} does not render for every one of the ${whose}:\n  ${lines.join("\n  ")}`,
    { hint },
  );
}

function named(p: RenderProblem): string {
  const more = p.count - p.emails.length;
  return `${p.emails.join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
}
