/**
 * Flags are validated once, at the boundary: a zod schema turns commander's raw values into a
 * typed options object, and a bad one becomes a UsageError that names the flag.
 */
import type { Command } from "commander";
import * as z from "zod";
import { MAX_CODE_LENGTH, MIN_CODE_LENGTH } from "../domain/codes.js";
import { parseDuration } from "../domain/durations.js";
import { MAX_TOKEN_TTL_SECONDS } from "../domain/signing-keys.js";
import { isValidEmail, normalizeEmail } from "../domain/email.js";
import { LOCALES } from "../domain/events.js";
import { canonicalZone, parseDateTime, resolveDateTime, TimeInputError } from "../domain/time.js";
import { AUDIENCES, type Audience } from "../domain/recipients.js";
import { parseRate } from "../mail/rate.js";
import { UsageError } from "../errors.js";

export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = issue?.path[0];
  const flag = typeof key === "string" ? `--${kebab(key)}` : "option";
  throw new UsageError(`${flag}: ${issue?.message ?? "invalid value"}`);
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** A whole number given as a flag's text. */
export const intFlag = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, "expected a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

export const codeLengthFlag = intFlag(MIN_CODE_LENGTH, MAX_CODE_LENGTH);

export const slugFlag = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    "a slug is lower-case letters, digits and dashes (e.g. summit-2026)",
  );

/**
 * An ISO date or date-time, every part checked (`2026-02-30` and `25:00` are refused). One
 * without an offset stays text here: it means something only in the event's zone (`timeFlagValue`).
 */
export const isoDateFlag = z.string().superRefine((s, ctx) => {
  try {
    parseDateTime(s);
  } catch (error) {
    if (!(error instanceof TimeInputError)) throw error;
    ctx.addIssue({
      code: "custom",
      message: error.hint ? `${error.message}; ${error.hint}` : error.message,
    });
  }
});

/** An IANA time zone, as Intl spells it (`europe/madrid` → `Europe/Madrid`). */
export const timezoneFlag = z.string().transform((s, ctx) => {
  try {
    return canonicalZone(s);
  } catch (error) {
    if (!(error instanceof TimeInputError)) throw error;
    ctx.addIssue({ code: "custom", message: `${error.message}; ${error.hint ?? ""}`.trim() });
    return z.NEVER;
  }
});

/** `es`, `ES`, ` Es `: any case, as --timezone takes. */
export const localeFlag = z.preprocess(
  (value) => (typeof value === "string" ? value.trim().toLowerCase() : value),
  z.enum(LOCALES, { error: () => `expected one of ${LOCALES.join(", ")}` }),
);

/** The instant a checked time flag names, read in `zone` when it has no offset (ISO UTC). */
export function timeFlagValue(
  flag: string,
  value: string,
  zone: string | null | undefined,
): string {
  try {
    return resolveDateTime(value, zone).toISOString();
  } catch (error) {
    if (!(error instanceof TimeInputError)) throw error;
    const hint =
      error.reason === "needs-zone"
        ? "add an offset (2026-05-04T09:00+02:00, or Z for UTC), or pass --timezone (e.g. Europe/Madrid)"
        : error.hint;
    throw new UsageError(`${flag}: ${error.message}`, hint ? { hint } : {});
  }
}

export const urlFlag = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return u.protocol === "https:" || u.protocol === "http:";
    } catch {
      return false;
    }
  },
  { message: "expected an http(s) URL, e.g. https://venue.example.com/login" },
);

export const emailFlag = z.string().refine((s) => isValidEmail(normalizeEmail(s)), {
  message: "expected an email address",
});

/** `"Name <addr@x.com>"` or `addr@x.com`. */
export const fromFlag = z
  .string()
  .refine(
    (s) =>
      !/[\r\n]/.test(s) &&
      /^(?:[^<>]*<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/.test(s.trim()),
    {
      message: 'expected an address, e.g. "Summit Team <team@summit.example>"',
    },
  );

/** A token lifetime: `90m`, `24h`, `7d`, from a minute to 30 days; in seconds. */
export const tokenTtlFlag = z.string().transform((s, ctx) => {
  const seconds = parseDuration(s);
  if (seconds === undefined || seconds < 60 || seconds > MAX_TOKEN_TTL_SECONDS) {
    ctx.addIssue({
      code: "custom",
      message: "expected a lifetime from 1m to 30d, e.g. 90m, 24h, 7d",
    });
    return z.NEVER;
  }
  return seconds;
});

/** An event's settings as flags: `event create` requires the name, `event update` none of them. */
export const EventFlags = z.object({
  name: z.string().trim().min(1, "an event needs a name").max(200),
  slug: slugFlag.optional(),
  startsAt: isoDateFlag.optional(),
  timezone: timezoneFlag.optional(),
  locale: localeFlag.optional(),
  loginUrl: urlFlag.optional(),
  from: fromFlag.optional(),
  codeLength: codeLengthFlag.optional(),
  tokenAudience: z.string().trim().min(1, "an audience cannot be empty").max(200).optional(),
  tokenTtl: tokenTtlFlag.optional(),
  venueUrl: urlFlag.optional(),
});

/** `--rate 10/s`, `600/min`, `5000/h`. */
export const rateFlag = z.string().transform((text, ctx) => {
  const parsed = parseRate(text);
  if (parsed.ok) return parsed.rate;
  ctx.addIssue({ code: "custom", message: parsed.reason });
  return z.NEVER;
});

export const audienceFlag = z.enum(AUDIENCES, {
  message: `expected one of: ${AUDIENCES.join(", ")}`,
});

/** `--audience`, with `--all` (= all) and `--to-unsent` (= unsent) as its aliases; they must agree. */
export function resolveAudience(
  given: Audience | undefined,
  all: boolean,
  toUnsent: boolean,
): { ok: true; audience: Audience } | { ok: false; reason: string } {
  const alias = all ? "all" : toUnsent ? "unsent" : undefined;
  if (given !== undefined && alias !== undefined && given !== alias) {
    return {
      ok: false,
      reason: `--${all ? "all" : "to-unsent"} is --audience ${alias}, which contradicts --audience ${given}; pass one`,
    };
  }
  return { ok: true, audience: given ?? alias ?? "unsent" };
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** A length of time: `90s`, `30m`, `6h`, `1d`; in milliseconds. */
export const durationFlag = z.string().transform((text, ctx) => {
  const m = /^(\d{1,6})\s*(s|m|min|h|d)$/i.exec(text.trim());
  const unit = m?.[2] ? DURATION_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    ctx.addIssue({ code: "custom", message: `"${text}" is not a duration (e.g. 30m, 6h, 1d)` });
    return z.NEVER;
  }
  return Number(m[1]) * unit;
});

/** The flags of a command that runs due campaigns (`campaign run-due`, `serve`), and their schema. */
export const CampaignRunFlags = {
  maxLate: durationFlag.optional(),
  insecureSmtp: z.boolean().default(false),
};

export function campaignRunFlags(command: Command): Command {
  return command
    .option(
      "--max-late <duration>",
      "a campaign due longer ago than this is marked missed and not sent (default 6h)",
    )
    .option("--insecure-smtp", "send a password and credential mail to another host without TLS");
}
