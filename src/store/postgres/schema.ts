/**
 * The workspace's tables on PostgreSQL: src/store/schema.ts table for table, column for column,
 * so rows read the same on both dialects and the domain sees one shape. Times stay ISO-8601 UTC
 * text (they sort as text, and the context's clock writes them), codes' sealed copies and
 * fingerprints are bytea (Buffers, as SQLite's blobs), `ok` is a real boolean. Ids are identity
 * columns "by default": the import reserves a run of ids from the column's sequence and inserts
 * them explicitly, so a sealed code is bound to its id before the row exists; a sequence never
 * hands out an id twice, as SQLite's AUTOINCREMENT never reuses one. ids are 32-bit `integer`,
 * so the domain gets numbers, not strings. test/store/postgres-schema.test.ts holds the two
 * schemas to each other.
 */
import {
  customType,
  index,
  integer,
  boolean,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from "drizzle-orm/pg-core";

/** bytea as a Buffer, which is what node-postgres reads and writes for it. */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => "bytea",
});

/** Workspace facts: the master key's id, the event in use. */
export const meta = pgTable("meta", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

export const events = pgTable("events", {
  id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  startsAt: text("starts_at"),
  loginUrl: text("login_url"),
  fromAddress: text("from_address"),
  codeLength: integer("code_length").notNull().default(10),
  /** The tokens' `aud`; null means the slug. */
  tokenAudience: text("token_audience"),
  /** How long a login's token is valid; null means 24 hours. */
  tokenTtlSeconds: integer("token_ttl_seconds"),
  /** A file holding an HS256 secret (venueless): its tokens are signed with it, not EdDSA. */
  tokenSecretFile: text("token_secret_file"),
  /** Where the sign-in page sends an attendee, with `#token=JWT` appended; null: a signed-in page. */
  venueUrl: text("venue_url"),
  createdAt: text("created_at").notNull(),
  /** IANA zone (`Europe/Madrid`) times are shown to people in; null: UTC. */
  timezone: text("timezone"),
  /** Language of the built-in emails and pages: `en`, `es`, `fr`, `de` or `pt`. */
  locale: text("locale").notNull().default("en"),
});

export const attendees = pgTable(
  "attendees",
  {
    /** From a sequence: an id is never reused, so a sealed code and audit rows stay bound to one person. */
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    eventId: integer("event_id")
      .notNull()
      .references(() => events.id, { onDelete: "cascade" }),
    /** Trimmed and lower-cased: the identity an attendee logs in with. */
    email: text("email").notNull(),
    firstName: text("first_name").notNull().default(""),
    lastName: text("last_name").notNull().default(""),
    /** Extra CSV columns as a JSON object of strings (text, as on SQLite: read back verbatim). */
    fields: text("fields").notNull().default("{}"),
    codeHash: text("code_hash").notNull(),
    codeSealed: bytea("code_sealed").notNull(),
    codeFingerprint: bytea("code_fingerprint").notNull(),
    /**
     * Bumped on every code evcred or the organizer gives out (import, reset); a delivery carries
     * the version it was sent with, so a bump makes the attendee due again. A code the attendee
     * chose on the change-my-code page keeps the version: they know it, no email is due for it.
     */
    codeVersion: integer("code_version").notNull().default(1),
    /** Who chose the code: evcred (`generated`), the organizer, or the attendee themselves. */
    codeSource: text("code_source", { enum: ["generated", "organizer", "attendee"] })
      .notNull()
      .default("generated"),
    codeChangedAt: text("code_changed_at").notNull(),
    /**
     * Failed logins up to this login id no longer count toward the lockout: set by `unlock`, a
     * code change and an email change. An id, not a time: exact however close the attempts
     * come, and whatever the clocks of the machines sharing the workspace say.
     */
    lockClearedAfter: integer("lock_cleared_after"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("attendees_event_email").on(t.eventId, t.email),
    uniqueIndex("attendees_event_code").on(t.eventId, t.codeFingerprint),
  ],
);

/** Which template an action (`resend`, `reset`) uses, per event. */
export const actionLinks = pgTable(
  "action_links",
  {
    eventId: integer("event_id")
      .notNull()
      .references(() => events.id, { onDelete: "cascade" }),
    action: text("action", { enum: ["resend", "reset"] }).notNull(),
    template: text("template").notNull(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.action] })],
);

/**
 * A send scheduled for an event: `when` as the organizer wrote it (`-1d@09:00`, `-3h`, an ISO
 * time), resolved against the event's start each time it is read, so moving the event moves it.
 * A run claims the row (`running`, leased to its process) before it sends anything.
 */
export const campaigns = pgTable(
  "campaigns",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    eventId: integer("event_id")
      .notNull()
      .references(() => events.id, { onDelete: "cascade" }),
    template: text("template").notNull(),
    audience: text("audience", { enum: ["unsent", "all", "not-logged-in"] }).notNull(),
    /** As given: `-1d@09:00`, `-3h`, `-90m`, or an ISO time. */
    whenText: text("when_text").notNull(),
    /** For an ISO `when`: the instant (ISO UTC), fixed at scheduling; null for a relative one. */
    fixedAt: text("fixed_at"),
    status: text("status", {
      enum: ["scheduled", "running", "done", "cancelled", "missed"],
    }).notNull(),
    /** The run sending it (`host:pid:nonce`) and until when its claim holds. */
    leaseOwner: text("lease_owner"),
    leaseExpiresAt: text("lease_expires_at"),
    createdAt: text("created_at").notNull(),
    startedAt: text("started_at"),
    finishedAt: text("finished_at"),
    /** The due time a run or a miss was decided on, ISO UTC. */
    dueAt: text("due_at"),
  },
  (t) => [index("campaigns_event_status").on(t.eventId, t.status)],
);

export const deliveries = pgTable(
  "deliveries",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    eventId: integer("event_id")
      .notNull()
      .references(() => events.id, { onDelete: "cascade" }),
    attendeeId: integer("attendee_id")
      .notNull()
      .references(() => attendees.id, { onDelete: "cascade" }),
    template: text("template").notNull(),
    /** What asked for it: a mass `send`, a `resend`, a `reset`, a `campaign`. */
    /** What asked for it, as on SQLite; `self-service`: the attendee's "forgot my code". */
    purpose: text("purpose", {
      enum: ["send", "resend", "reset", "campaign", "self-service"],
    }).notNull(),
    codeVersion: integer("code_version").notNull(),
    /**
     * The campaign that sent it; null for `send`, `resend` and `reset`. Each is its own scope.
     * No cascade, unlike what src/store/schema.ts declares: SQLite's migration 0004 added this
     * column with ALTER TABLE … REFERENCES and no ON DELETE, so every SQLite workspace has NO
     * ACTION here, and both dialects must refuse or cascade alike. (No campaign is ever deleted;
     * an event's deletion cascades through event_id on both.)
     */
    campaignId: integer("campaign_id").references(() => campaigns.id),
    status: text("status", { enum: ["pending", "sent", "failed"] }).notNull(),
    messageId: text("message_id"),
    /** The server's reply, or why it failed. */
    response: text("response"),
    attempts: integer("attempts").notNull().default(0),
    /** A running sender's claim on a pending delivery; a crashed sender's claim expires. */
    leaseOwner: text("lease_owner"),
    leaseExpiresAt: text("lease_expires_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    index("deliveries_attendee").on(t.attendeeId, t.template, t.status),
    index("deliveries_event_status").on(t.eventId, t.status),
    index("deliveries_campaign").on(t.campaignId, t.attendeeId),
  ],
);

/** Every verification attempt: the usage metrics. */
export const logins = pgTable(
  "logins",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    eventId: integer("event_id")
      .notNull()
      .references(() => events.id, { onDelete: "cascade" }),
    attendeeId: integer("attendee_id").references(() => attendees.id, { onDelete: "set null" }),
    email: text("email").notNull(),
    ok: boolean("ok").notNull(),
    /** `ok`, `wrong-code`, `unknown-email` or `locked`. */
    outcome: text("outcome").notNull(),
    /** Where the attempt came from: the venue's API, the attendee pages, or `evcred verify`. */
    source: text("source", { enum: ["api", "page", "cli"] })
      .notNull()
      .default("cli"),
    at: text("at").notNull(),
  },
  (t) => [
    index("logins_event_email_at").on(t.eventId, t.email, t.at),
    // The event's recent failures, for the lock state of every attendee (`attendees list`).
    index("logins_event_at").on(t.eventId, t.at),
    // Whether and when each attendee last logged in (`attendees list`, `stats`, audiences),
    // answered from the index alone: without it every attendee's row scanned every login.
    index("logins_attendee_ok_at").on(t.attendeeId, t.ok, t.at),
  ],
);

/** Keys the venue's server calls the API with; only their SHA-256 is kept. */
export const venueKeys = pgTable("venue_keys", {
  id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
  name: text("name").notNull().unique(),
  /** The one event the key may log in to; null: every event. */
  eventId: integer("event_id").references(() => events.id, { onDelete: "cascade" }),
  keyHash: text("key_hash").notNull().unique(),
  createdAt: text("created_at").notNull(),
  lastUsedAt: text("last_used_at"),
});

/** Who did what to whom. Never a code. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    at: text("at").notNull(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    eventId: integer("event_id"),
    attendeeId: integer("attendee_id"),
    email: text("email"),
    summary: text("summary").notNull().default(""),
  },
  (t) => [index("audit_at").on(t.at), index("audit_attendee").on(t.attendeeId)],
);

export const schemaTables = {
  meta,
  events,
  attendees,
  actionLinks,
  campaigns,
  deliveries,
  logins,
  venueKeys,
  auditLog,
};
