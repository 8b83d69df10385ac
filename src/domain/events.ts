/** Events: created, listed, chosen and changed. Which event a command acts on is decided here. */
import { DomainError } from "./errors.js";
import type { EventRow } from "../store/schema.js";
import type { Queries } from "../store/store.js";
import type { Workspace } from "../store/workspace.js";
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

export async function createEvent(ws: Workspace, input: EventInput, who: Who): Promise<EventRow> {
  const slug = input.slug ?? slugify(input.name);
  return ws.transaction(async (tx) => {
    if (await tx.events.bySlug(slug)) {
      throw new DomainError({ code: "event-slug-taken", slug, renaming: false });
    }
    const row = await tx.events.insert({
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
    });
    await recordAudit(tx, {
      ...who,
      action: "event.create",
      eventId: row.id,
      summary: `created ${slug}`,
    });
    return row;
  });
}

export function listEvents(ws: Workspace): Promise<EventRow[]> {
  return ws.store.events.list();
}

export function findEvent(ws: Workspace, slug: string): Promise<EventRow | undefined> {
  return ws.store.events.bySlug(slug);
}

export async function requireEvent(ws: Workspace, slug: string): Promise<EventRow> {
  return requireEventIn(ws.store, slug);
}

async function requireEventIn(q: Queries, slug: string): Promise<EventRow> {
  const event = await q.events.bySlug(slug);
  if (!event) throw await unknownEvent(q, slug);
  return event;
}

/**
 * The event to act on: the one named (--event / EVCRED_EVENT), else the one chosen with
 * `event use`, else the only one.
 */
export async function resolveEvent(ws: Workspace, named: string | undefined): Promise<EventRow> {
  if (named) return requireEvent(ws, named);
  const chosen = await ws.getMeta("current_event");
  if (chosen) {
    const event = await findEvent(ws, chosen);
    if (event) return event;
  }
  const all = await listEvents(ws);
  if (all.length === 1 && all[0]) return all[0];
  if (all.length === 0) {
    throw new DomainError({ code: "no-event" });
  }
  throw new DomainError({ code: "which-event", slugs: all.map((e) => e.slug) });
}

export async function useEvent(ws: Workspace, slug: string): Promise<EventRow> {
  const event = await requireEvent(ws, slug);
  await ws.setMeta("current_event", event.slug);
  return event;
}

export function currentEventSlug(ws: Workspace): Promise<string | undefined> {
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

export async function updateEvent(
  ws: Workspace,
  slug: string,
  patch: EventPatch,
  who: Who,
): Promise<EventRow> {
  return ws.transaction(async (tx) => {
    const event = await requireEventIn(tx, slug);
    if (patch.slug && patch.slug !== slug && (await tx.events.bySlug(patch.slug))) {
      throw new DomainError({ code: "event-slug-taken", slug: patch.slug, renaming: true });
    }
    const changes: Partial<EventRow> = {};
    for (const [key, value] of Object.entries(patch) as [keyof EventPatch, unknown][]) {
      if (value !== undefined) Object.assign(changes, { [key]: value });
    }
    if (Object.keys(changes).length === 0) {
      throw new DomainError({ code: "event-unchanged" });
    }
    const row = await tx.events.update(event.id, changes);
    if (patch.slug && (await tx.meta.get("current_event")) === slug) {
      await tx.meta.set("current_event", patch.slug);
    }
    await recordAudit(tx, {
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

async function unknownEvent(q: Queries, slug: string): Promise<DomainError> {
  const known = (await q.events.list()).map((e) => e.slug);
  return new DomainError({ code: "unknown-event", slug, known });
}
