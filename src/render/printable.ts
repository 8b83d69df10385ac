/**
 * Text from attendees' files (emails, names, a rejected row) reaches a terminal, which acts on
 * some characters instead of showing them: CR rewrites the line, ESC starts a command, C1
 * controls do as much on some terminals, and the bidi controls reorder what follows
 * (`U+202E` makes `moc.live@ada` read as `ada@evil.com`). They are shown escaped, as `\u202e`.
 */

/* eslint-disable no-control-regex -- matching them is the point */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_BUT_LAYOUT =
  /\u001b\[[0-9;]*m|[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/* eslint-enable no-control-regex */

/** One value on one line: every control and bidi character escaped, newlines and tabs too. */
export function printable(text: string): string {
  return text.replace(CONTROL, escape);
}

/**
 * A whole message evcred wrote around such values: its own newlines, tabs and colours stay,
 * anything else a terminal would act on is escaped.
 */
export function printableLines(text: string): string {
  return text.replace(CONTROL_BUT_LAYOUT, (c) => (c.length > 1 ? c : escape(c)));
}

function escape(c: string): string {
  if (c === "\n") return "\\n";
  if (c === "\r") return "\\r";
  if (c === "\t") return "\\t";
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * A value from an attendee's data in a table cell or a `show` line: a CSV cell can hold line
 * breaks (quoted, as spreadsheets write them), shown as ⏎, a tab as a space, and the rest as
 * `printable` escapes it, so a value can neither break the layout nor drive the terminal.
 */
export function oneLine(text: string): string {
  return printable(text.replace(/\r\n|[\n\r\u2028\u2029]/g, "⏎").replace(/\t/g, " "));
}
