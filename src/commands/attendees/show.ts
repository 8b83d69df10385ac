import { showAttendee, type AttendeeDetail } from "../../domain/attendees.js";
import { resolveEvent } from "../../domain/events.js";
import { formatTime, lockEndText, zoneLabel } from "../../render/time.js";
import { oneLine } from "../../render/printable.js";
import { defineCommand, examples } from "../command.js";

/** Who chose the attendee's code, as the `code` line says it. */
const CODE_SOURCE_LABEL: Record<AttendeeDetail["codeSource"], string> = {
  generated: "generated",
  organizer: "chosen by the organizer",
  attendee: "chosen by the attendee",
};

export default defineCommand({
  configure(command) {
    command
      .argument("<email>", "the attendee's email")
      .addHelpText(
        "after",
        examples(
          "evcred attendees show ada@example.com",
          "evcred attendees show ada@example.com --json",
        ),
      );
  },
  async run(ctx, args) {
    const ws = await ctx.workspace();
    const event = await resolveEvent(ws, ctx.options.event);
    const a = await showAttendee(ws, event, String(args[0]), ctx.now());
    ctx.out.result({ event: event.slug, ...a }, () => {
      const at = (iso: string) => formatTime(iso, { zone: event.timezone, style: "short" });
      const zone = `(times in ${zoneLabel(event.timezone)})`;
      // One column for the values, however long a custom field's name is.
      const facts: [string, string][] = [
        ["email", a.email],
        ["name", oneLine(`${a.firstName} ${a.lastName}`.trim()) || "-"],
        ...Object.entries(a.fields).map(([k, v]): [string, string] => [
          oneLine(k),
          oneLine(v) || "-",
        ]),
        [
          "code",
          `${CODE_SOURCE_LABEL[a.codeSource]}, last changed ${formatTime(a.codeChangedAt, { zone: event.timezone })}`,
        ],
        [
          "status",
          `${a.sent ? "credentials sent" : a.failed ? "delivery failed" : "credentials not sent"}${a.loggedIn ? ", logged in" : ""}`,
        ],
      ];
      if (a.lockedUntil) {
        facts.push([
          "login",
          `locked until ${lockEndText(a.lockedUntil, event.timezone)} after too many failed attempts; \`evcred unlock ${a.email}\` lifts it now`,
        ]);
      }
      const width = Math.max(12, ...facts.map(([label]) => label.length));
      const lines = facts.map(([label, value]) => `${label.padEnd(width)} ${value}`);
      if (a.deliveries.length) {
        lines.push("", `deliveries ${zone}`);
        for (const d of a.deliveries)
          lines.push(
            `  ${at(d.at)}  ${d.template.padEnd(14)} ${d.status.padEnd(7)} ${d.codeVersion < a.codeVersion ? "(earlier code) " : ""}${oneLine(d.response ?? "")}`.trimEnd(),
          );
      }
      if (a.logins.length) {
        lines.push("", `logins ${zone}`);
        for (const l of a.logins) lines.push(`  ${at(l.at)}  ${l.outcome}`);
      }
      lines.push("", `code history ${zone}`);
      const actorWidth = Math.max(10, ...a.codeHistory.map((h) => oneLine(h.actor).length));
      for (const h of a.codeHistory)
        lines.push(
          `  ${at(h.at)}  ${oneLine(h.actor).padEnd(actorWidth)}  ${oneLine(h.summary || h.action)}`,
        );
      return lines.join("\n");
    });
  },
});
