/** Events: created, listed, chosen and changed. Which event a command acts on is decided here. */
import { asc, eq, sql } from "drizzle-orm";
import { DomainError } from "./errors.js";
import { events, type EventRow } from "../store/schema.js";
import { preparedFor, type Workspace } from "../store/workspace.js";
import { recordAudit } from "./audit.js";
import { DEFAULT_CODE_LENGTH } from "./codes.js";
import { slugify } from "./slug.js";

/** The languages the built-in emails and pages are written in. */
export const LOCALES = ["en", "es", "fr", "de", "pt"] as const;
export type Locale = (typeof LOCALES)[number];

/** How long a login's token is valid when the event does not say. */
export const DEFAULT_TOKEN_TTL_SECONDS = 24 * 60 * 60;

export interface EventInput {
  name: string;
  slug?: string | undefined;
  /** ISO UTC. */
  startsAt?: string | undefined;
  timezone?: string | undefined;
  locale?: Locale | undefined;
  loginUrl?: string | undefined;
  fromAddress?: string | undefined;
  codeLength?: number | undefined;
  /** The tokens' `aud`; the slug when unset. */
  tokenAudience?: string | undefined;
  tokenTtlSeconds?: number | undefined;
  /** An HS256 secret's file (absolute): the event's tokens are signed with it instead of EdDSA. */
  tokenSecretFile?: string | null | undefined;
  /** Where the sign-in page hands the token over (`#token=JWT` appended). */
  venueUrl?: string | undefined;
}

export interface Who {
  actor: string;
  at: string;
}

export { slugify } from "./slug.js";

export function createEvent(ws: Workspace, input: EventInput, who: Who): EventRow {
  const slug = input.slug ?? slugify(input.name);
  return ws.transaction(() => {
    if (findEvent(ws, slug)) {
      throw new DomainError({ code: "event-slug-taken", slug, renaming: false });
    }
    const row = ws.db
      .insert(events)
      .values({
        slug,
        name: input.name,
        startsAt: input.startsAt ?? null,
        timezone: input.timezone ?? null,
        locale: input.locale ?? "en",
        loginUrl: input.loginUrl ?? null,
        fromAddress: input.fromAddress ?? null,
        codeLength: input.codeLength ?? DEFAULT_CODE_LENGTH,
        tokenAudience: input.tokenAudience ?? null,
        tokenTtlSeconds: input.tokenTtlSeconds ?? null,
        tokenSecretFile: input.tokenSecretFile ?? null,
        venueUrl: input.venueUrl ?? null,
        createdAt: who.at,
      })
      .returning()
      .get();
    recordAudit(ws, {
      ...who,
      action: "event.create",
      eventId: row.id,
      summary: `created ${slug}`,
    });
    return row;
  });
}

export function listEvents(ws: Workspace): EventRow[] {
  return ws.db.select().from(events).orderBy(asc(events.createdAt), asc(events.id)).all();
}

export function findEvent(ws: Workspace, slug: string): EventRow | undefined {
  return eventBySlug(ws).get({ slug });
}

// Prepared once: every API login looks its event up.
const eventBySlug = preparedFor((ws) =>
  ws.db
    .select()
    .from(events)
    .where(eq(events.slug, sql.placeholder("slug")))
    .prepare(),
);

export function requireEvent(ws: Workspace, slug: string): EventRow {
  const event = findEvent(ws, slug);
  if (!event) throw unknownEvent(ws, slug);
  return event;
}

/**
 * The event to act on: the one named (--event / EVCRED_EVENT), else the one chosen with
 * `event use`, else the only one.
 */
export function resolveEvent(ws: Workspace, named: string | undefined): EventRow {
  if (named) return requireEvent(ws, named);
  const chosen = ws.getMeta("current_event");
  if (chosen) {
    const event = findEvent(ws, chosen);
    if (event) return event;
  }
  const all = listEvents(ws);
  if (all.length === 1 && all[0]) return all[0];
  if (all.length === 0) {
    throw new DomainError({ code: "no-event" });
  }
  throw new DomainError({ code: "which-event", slugs: all.map((e) => e.slug) });
}

export function useEvent(ws: Workspace, slug: string): EventRow {
  const event = requireEvent(ws, slug);
  ws.setMeta("current_event", event.slug);
  return event;
}

export function currentEventSlug(ws: Workspace): string | undefined {
  return ws.getMeta("current_event");
}

/** What `log` calls each setting an update changed (the audit trail is read by people). */
const CHANGE_NAMES: Readonly<Record<string, string>> = {
  name: "name",
  slug: "slug",
  startsAt: "start time",
  timezone: "time zone",
  locale: "language",
  loginUrl: "login URL",
  fromAddress: "sender",
  codeLength: "code length",
  tokenAudience: "token audience",
  tokenTtlSeconds: "token lifetime",
  tokenSecretFile: "token secret file",
  venueUrl: "venue URL",
};

export type EventPatch = Partial<Omit<EventInput, "slug">> & { slug?: string | undefined };

export function updateEvent(ws: Workspace, slug: string, patch: EventPatch, who: Who): EventRow {
  return ws.transaction(() => {
    const event = requireEvent(ws, slug);
    if (patch.slug && patch.slug !== slug && findEvent(ws, patch.slug)) {
      throw new DomainError({ code: "event-slug-taken", slug: patch.slug, renaming: true });
    }
    const changes: Partial<EventRow> = {};
    for (const [key, value] of Object.entries(patch) as [keyof EventPatch, unknown][]) {
      if (value !== undefined) Object.assign(changes, { [key]: value });
    }
    if (Object.keys(changes).length === 0) {
      throw new DomainError({ code: "event-unchanged" });
    }
    const row = ws.db.update(events).set(changes).where(eq(events.id, event.id)).returning().get();
    if (patch.slug && ws.getMeta("current_event") === slug) ws.setMeta("current_event", patch.slug);
    recordAudit(ws, {
      ...who,
      action: "event.update",
      eventId: event.id,
      summary: `changed ${Object.keys(changes)
        .map((key) => CHANGE_NAMES[key] ?? key)
        .join(", ")}`,
    });
    return row;
  });
}

function unknownEvent(ws: Workspace, slug: string): DomainError {
  return new DomainError({ code: "unknown-event", slug, known: listEvents(ws).map((e) => e.slug) });
}
