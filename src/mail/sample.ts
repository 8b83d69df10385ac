/**
 * Template variables for one attendee, and samples for `template check`, `preview`, dry runs and
 * `send --test-to`: the same shapes with the code MASKED — a sample never holds a real code.
 */
import { DEFAULT_CODE_LENGTH, maskedCode } from "../domain/codes.js";
import { pageLinks } from "../domain/page-links.js";
import { formatTime } from "../render/time.js";
import type { CompiledTemplate, RenderedMessage, TemplateVars } from "./templates.js";

/** What the variables need of an event (an EventRow fits). */
export interface EventLike {
  name: string;
  slug: string;
  /** ISO UTC. */
  startsAt: string | null;
  timezone: string | null;
  locale: string;
  loginUrl: string | null;
  codeLength: number;
}

/** What the variables need of an attendee (an AttendeeRow or an AttendeeSummary fits). */
export interface AttendeeLike {
  email: string;
  firstName: string;
  lastName: string;
  /** Custom CSV columns: the JSON text of the row, or the parsed object. */
  fields: string | Record<string, string>;
}

/**
 * The variables for a real message; `pass` is the grouped code (`K7QM-4XHP-2W`); `publicUrl`,
 * where `evcred serve` is reached, makes `it.links.*` (null each without it).
 */
export function templateVars(
  event: EventLike,
  attendee: AttendeeLike,
  pass: string,
  publicUrl?: string,
): TemplateVars {
  return {
    user_email: attendee.email,
    user_pass: pass,
    first_name: attendee.firstName,
    last_name: attendee.lastName,
    full_name: `${attendee.firstName} ${attendee.lastName}`.trim(),
    fields:
      typeof attendee.fields === "string"
        ? (JSON.parse(attendee.fields) as Record<string, string>)
        : attendee.fields,
    event: {
      name: event.name,
      slug: event.slug,
      starts_at:
        event.startsAt === null
          ? null
          : formatTime(event.startsAt, { zone: event.timezone, locale: event.locale }),
      starts_at_iso: event.startsAt,
      timezone: event.timezone ?? "UTC",
      login_url: event.loginUrl,
    },
    links: pageLinks(publicUrl, event.slug),
  };
}

export const SAMPLE_EVENT: EventLike = {
  name: "Sample Summit 2026",
  slug: "sample-summit-2026",
  startsAt: "2026-06-01T09:00:00.000Z",
  timezone: null,
  locale: "en",
  loginUrl: "https://venue.example.com/login",
  codeLength: DEFAULT_CODE_LENGTH,
};

export const SAMPLE_ATTENDEE: AttendeeLike = {
  email: "sam.sample@example.com",
  firstName: "Sam",
  lastName: "Sample",
  fields: {},
};

/**
 * Variables for a preview: the attendee given (or a sample one) of the event given (or a sample
 * one), the code masked to the event's code length. `fieldNames` are custom columns to fill with
 * placeholders for a sample attendee, so `it.fields.company` shows something.
 */
export function sampleVars(
  event?: EventLike,
  attendee?: AttendeeLike,
  fieldNames: readonly string[] = [],
  publicUrl?: string,
): TemplateVars {
  const ev = event ?? SAMPLE_EVENT;
  const who = attendee ?? {
    ...SAMPLE_ATTENDEE,
    fields: Object.fromEntries(fieldNames.map((k) => [k, `[${k}]`])),
  };
  return templateVars(ev, who, maskedCode(ev.codeLength), publicUrl);
}

/** One message rendered from sample variables (code masked). */
export function renderSample(
  template: CompiledTemplate,
  event?: EventLike,
  attendee?: AttendeeLike,
  publicUrl?: string,
): RenderedMessage {
  return template.render(sampleVars(event, attendee, [], publicUrl));
}

/** The public URL `template check` renders `it.links.*` with (and once without). */
export const SAMPLE_PUBLIC_URL = "https://login.example.com";

/**
 * The variations `template check` renders: a full sample (page links too), an event without
 * start, login link or page links (no public URL), an attendee without names or custom fields — so a template that breaks on a missing value
 * breaks here, not in the middle of a send.
 */
export function checkSamples(
  event: EventLike | undefined,
  fieldNames: readonly string[],
): { label: string; vars: TemplateVars }[] {
  const ev = event ?? SAMPLE_EVENT;
  return [
    {
      label: `a sample attendee of ${ev.slug}`,
      vars: sampleVars(ev, undefined, fieldNames, SAMPLE_PUBLIC_URL),
    },
    {
      label: "an event with no start time and no login link",
      vars: sampleVars({ ...ev, startsAt: null, loginUrl: null }, undefined, fieldNames),
    },
    {
      label: "an attendee with no name and empty custom fields",
      vars: sampleVars(ev, {
        ...SAMPLE_ATTENDEE,
        firstName: "",
        lastName: "",
        fields: Object.fromEntries(fieldNames.map((k) => [k, ""])),
      }),
    },
  ];
}
