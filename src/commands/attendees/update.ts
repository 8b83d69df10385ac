import * as z from "zod";
import { describeChanges, updateAttendee } from "../../domain/attendee-update.js";
import { resolveEvent } from "../../domain/events.js";
import { fieldKey, MAX_FIELD_LENGTH } from "../../domain/import-plan.js";
import { normalizeEmail } from "../../domain/email.js";
import { UsageError } from "../../errors.js";
import { defineCommand, examples } from "../command.js";
import { emailFlag, parseOptions } from "../options.js";

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const BUILT_IN: Readonly<Record<string, string>> = {
  email: "--email",
  first_name: "--first-name",
  last_name: "--last-name",
};

/** A value as import accepts one: at most 2,000 characters, no control character. */
const text = z
  .string()
  .max(MAX_FIELD_LENGTH, `at most ${MAX_FIELD_LENGTH} characters`)
  .refine((s) => !CONTROL.test(s), "holds a control character");

/** A name goes into headers and greetings: one line. */
const name = text.transform((s) => s.trim().replace(/\s+/g, " "));

const field = z.string().transform((raw, ctx): [string, string] => {
  const eq = raw.indexOf("=");
  const key = eq === -1 ? "" : fieldKey(raw.slice(0, eq));
  const value = eq === -1 ? "" : raw.slice(eq + 1).trim();
  const problem =
    eq === -1 || key === ""
      ? `expected KEY=VALUE, e.g. company="Analytical Engines" (got ${JSON.stringify(raw)})`
      : BUILT_IN[key]
        ? `${key} is not a custom field; use ${BUILT_IN[key]}`
        : value.length > MAX_FIELD_LENGTH
          ? `${key}: at most ${MAX_FIELD_LENGTH} characters`
          : CONTROL.test(value)
            ? `${key}: holds a control character`
            : undefined;
  if (problem) ctx.addIssue({ code: "custom", message: problem });
  return [key, value];
});

const Options = z.object({
  email: emailFlag.transform(normalizeEmail).optional(),
  firstName: name.optional(),
  lastName: name.optional(),
  field: z.array(field).default([]),
});

export default defineCommand({
  configure(command) {
    command
      .argument("<email>", "the attendee's current email")
      .option("--email <new>", "a corrected email (the code stays the same)")
      .option("--first-name <name>", "their first name")
      .option("--last-name <name>", "their last name")
      .option(
        "--field <key=value>",
        "set a custom field (repeatable); an empty value removes it",
        (value: string, previous: string[]) => [...previous, value],
        [],
      )
      .addHelpText(
        "after",
        examples(
          "evcred attendees update ada@exmaple.com --email ada@example.com",
          'evcred attendees update ada@example.com --first-name "Ada" --last-name "King"',
          'evcred attendees update ada@example.com --field company="Analytical Engines" --field badge=',
        ) +
          "\nThe attendee keeps their code. After fixing an email, `evcred resend NEW` sends the\n" +
          "credentials to the right address. Every change is audited with the old and new values.\n",
      );
  },
  async run(ctx, args, raw) {
    const options = parseOptions(Options, raw);
    if (
      options.email === undefined &&
      options.firstName === undefined &&
      options.lastName === undefined &&
      options.field.length === 0
    ) {
      throw new UsageError("nothing to change", {
        hint: "pass --email, --first-name, --last-name or --field KEY=VALUE",
      });
    }
    const ws = await ctx.workspace();
    const event = await resolveEvent(ws, ctx.options.event);
    const result = await updateAttendee(
      ws,
      event,
      String(args[0]),
      {
        email: options.email,
        firstName: options.firstName,
        lastName: options.lastName,
        fields: options.field,
      },
      { actor: ctx.actor, at: ctx.now().toISOString() },
    );
    ctx.out.result({ event: event.slug, ...result }, () => "");
    if (result.changes.length === 0) {
      ctx.out.info(`${result.email}: nothing to change; it is so already`);
      return;
    }
    ctx.out.success(`updated ${result.email}: ${describeChanges(result.changes)}`);
    if (result.email !== result.previousEmail) {
      ctx.out.info(
        `their code is unchanged; to send it to the new address: evcred resend ${result.email}`,
      );
    }
  },
});
