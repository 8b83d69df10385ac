/**
 * A value from an attendee's data, shown on one line of a terminal: a CSV cell can hold line
 * breaks (quoted, as spreadsheets write them) and, in principle, control characters. Line breaks
 * show as ⏎, a tab as a space, any other control character escaped (`\x1b`), so a value can
 * neither break the layout nor drive the terminal.
 */
export function oneLine(text: string): string {
  return text
    .replace(/\r\n|[\n\r\u2028\u2029]/g, "⏎")
    .replace(/\t/g, " ")
    .replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

// eslint-disable-next-line no-control-regex -- escaping control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
