/**
 * Eta, set up for email: one engine that escapes (HTML bodies) and one that does not (subject and
 * text body), both turning `null`/`undefined` into nothing. Every failure — a tag left open, bad
 * JavaScript, an `it.*` name that does not exist, an error while rendering — becomes a
 * TemplateError that names the file and the line, so the organizer can fix their template
 * without reading a stack.
 */
import { Eta, EtaParseError } from "eta/core";
import { Script } from "node:vm";
import { distance } from "../domain/attendees.js";
import { UsageError } from "../errors.js";
import { checkTemplateCode } from "./template-rules.js";

/** The names a template may use, as `it.NAME` (SPEC, Templates). */
export const TEMPLATE_VARIABLES = [
  "user_email",
  "user_pass",
  "first_name",
  "last_name",
  "full_name",
  "fields",
  "event",
  "links",
] as const;
export const EVENT_VARIABLES = [
  "name",
  "slug",
  "starts_at",
  "starts_at_iso",
  "timezone",
  "login_url",
] as const;
/** `it.links.NAME`: the attendee pages (`domain/page-links.ts`). */
export const LINK_VARIABLES = ["login", "change_code", "forgot"] as const;

/** A template problem at a place in a file: `templates/credentials.eta:7: …`, exit 2. */
export class TemplateError extends UsageError {
  override readonly name = "TemplateError";
  readonly file: string;
  readonly line: number | undefined;
  /** The message without the place. */
  readonly detail: string;

  constructor(file: string, line: number | undefined, detail: string, hint?: string) {
    super(`${file}${line === undefined ? "" : `:${line}`}: ${detail}`, hint ? { hint } : {});
    this.file = file;
    this.line = line;
    this.detail = detail;
  }
}

/** Text to compile: where it comes from (a display path) and the file line it starts on. */
export interface Source {
  file: string;
  text: string;
  line: number;
}

export interface CompiledPart {
  render(vars: object): string;
  /** Every `it.*` path the part mentions: `user_pass`, `event.name`, `fields.company`… */
  references: ReadonlySet<string>;
}

type Mode = "html" | "text";

const engines: Partial<Record<Mode, EmailEta>> = {};

export function compilePart(source: Source, mode: Mode): CompiledPart {
  assertNoLongBlankRun(source);
  const eta = (engines[mode] ??= new EmailEta(mode === "html"));
  const text = padToLine(standaloneTags(source.text), source.line);
  const references = checkReferences(eta, source, text);
  checkCode(eta, source, text);
  const fn = compileOrLocate(eta, source.file, text);
  const options = { filepath: source.file };
  return {
    references,
    render: (vars) => fn.call(eta, vars, options),
  };
}

class EmailEta extends Eta {
  constructor(autoEscape: boolean) {
    super({
      autoEscape,
      autoFilter: true,
      filterFunction: displayed,
      // Newlines after interpolations are content in an email; control-only lines are removed
      // by `standaloneTags` instead.
      autoTrim: false,
      // Keeps the line of the running tag, so a render error can say where it happened.
      debug: true,
      cache: false,
      useWith: false,
      varName: "it",
    });
    this.RuntimeErr = (error: Error, _template: string, line: number, file: string): never => {
      throw runtimeError(error, file, line);
    };
  }
}

/** The longest run of white space allowed in a tag's code (outside its strings and comments). */
export const MAX_TAG_BLANKS = 200;

/**
 * Eta looks for a tag's end with `\s*%>` from every character of its code: a run of n spaces
 * there costs n² steps (2 MB of them: hours). Such a run is refused, at its line, in one pass
 * that skips what Eta skips (strings and comments) — and text outside tags, which Eta does not
 * search that way.
 */
function assertNoLongBlankRun(source: Source): void {
  const { text } = source;
  let i = text.indexOf("<%");
  while (i !== -1 && i < text.length) {
    let run = 0;
    let j = i + 2;
    for (; j < text.length; j++) {
      const c = text[j] ?? "";
      if (c === "%" && text[j + 1] === ">") break;
      if (/\s/.test(c)) {
        if (++run > MAX_TAG_BLANKS) {
          const line = source.line + countNewlines(text.slice(0, j - run + 1));
          throw new TemplateError(
            source.file,
            line,
            `more than ${MAX_TAG_BLANKS} blank characters in a row inside this tag`,
            TAGS,
          );
        }
        continue;
      }
      run = 0;
      if (c === "'" || c === '"' || c === "`") j = closingQuote(text, j, c);
      else if (c === "/" && text[j + 1] === "*") {
        const end = text.indexOf("*/", j + 2);
        j = end === -1 ? text.length : end + 1;
      }
    }
    i = text.indexOf("<%", j + 2);
  }
}

/** Where the string opened at `start` ends (the index of its closing quote), or the text's end. */
function closingQuote(text: string, start: number, quote: string): number {
  for (let j = start + 1; j < text.length; j++) {
    if (text[j] === "\\") j++;
    else if (text[j] === quote) return j;
  }
  return text.length;
}

/** `null` and `undefined` (a field the attendee has no value for) render as nothing. */
function displayed(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return value.toString();
  }
  return JSON.stringify(value);
}

/**
 * A line holding nothing but one `<% … %>` control tag (`<% if (…) { %>`, `<% } %>`) is removed
 * whole, indentation and newline included, as Mustache and Jinja do: `if` blocks leave no blank
 * lines, and a newline after `<%= … %>` stays where the author put it.
 */
function standaloneTags(text: string): string {
  return text.replace(
    /^[ \t]*<%[-_]?(?!\s*[=~])((?:(?!%>).)*?)[-_]?%>[ \t]*$/gm,
    (_line, code: string) => `<%${code}-%>`,
  );
}

/** Line numbers in errors count from the top of the file, not from where this part starts. */
function padToLine(text: string, line: number): string {
  return line > 1 ? `<%/*${"\n".repeat(line - 1)}*/%>${text}` : text;
}

function compileOrLocate(eta: EmailEta, file: string, text: string) {
  try {
    return eta.compile(text);
  } catch (error) {
    if (!(error instanceof EtaParseError)) throw error;
    const unclosed = /^(.*?) at line (\d+) col (\d+)/.exec(error.message);
    if (unclosed) {
      throw new TemplateError(file, Number(unclosed[2]), unclosed[1] ?? "parse error", TAGS);
    }
    throw syntaxError(eta, file, text);
  }
}

const TAGS = "tags are <%= value %> (escaped in HTML), <%~ value %> (raw) and <% code %>";

/** Eta reports bad JavaScript without a place: compile its output again to find the line. */
function syntaxError(eta: EmailEta, file: string, text: string): TemplateError {
  const problem = tagProblem(eta, text) ?? braceProblem(eta, text);
  if (problem) return new TemplateError(file, problem.line, problem.detail, TAGS);
  const generated = eta.compileToString(text);
  try {
    new Script(`(function (it, options) {\n${generated}\n})`, { filename: "template" });
  } catch (error) {
    if (error instanceof SyntaxError) {
      const at = /^template:(\d+)/.exec(error.stack ?? "");
      const lines = generated.split("\n");
      const index = at ? Number(at[1]) - 2 : lines.length - 1;
      const place = templateLine(lines, index);
      // Found past the tag's own code: what JavaScript names there is Eta's, not the author's.
      const detail = place?.within
        ? error.message
        : "the JavaScript in this tag is not finished (a bracket or parenthesis left open?)";
      return new TemplateError(file, place?.line, detail, TAGS);
    }
  }
  return new TemplateError(file, undefined, "invalid template syntax", TAGS);
}

/**
 * Generated code carries `__eta.line=N` before each tag's code (debug mode). JavaScript reports
 * an incomplete statement (`if (`) where it stops making sense — at the next tag's marker, or in
 * the code Eta adds after the last tag — so the error belongs to the tag before that point, at
 * most as many lines into it as its own code has.
 */
function templateLine(
  generated: readonly string[],
  index: number,
): { line: number; within: boolean } | undefined {
  const marker = (i: number) => /^__eta\.line=(\d+)$/.exec(generated[i] ?? "");
  const isOwnCode = (i: number) => !/^__eta\.|^$|^if \(__eta\.layout\)/.test(generated[i] ?? "");
  let at = Math.min(index, generated.length - 1);
  if (marker(at)) at--;
  for (let i = at; i >= 0; i--) {
    const found = marker(i);
    if (!found) continue;
    let last = i;
    while (last + 1 <= at && isOwnCode(last + 1)) last++;
    return { line: Number(found[1]) + Math.max(0, last - i - 1), within: index <= last };
  }
  return undefined;
}

/**
 * A tag that swallowed the next one (its `%>` is missing), or a `(` or `[` left open inside one
 * tag: only `{ }` blocks span tags, so these name the tag at fault, where JavaScript would only
 * notice lines later.
 */
function tagProblem(
  eta: EmailEta,
  text: string,
): { line: number | undefined; detail: string } | undefined {
  for (const tag of tags(eta, text)) {
    const code = withoutStrings(tag.val);
    if (code.includes("<%")) {
      return {
        line: tag.lineNo,
        detail: "this tag is not closed with %> before the next one opens",
      };
    }
    for (const [open, close] of [
      ["(", ")"],
      ["[", "]"],
    ] as const) {
      let depth = 0;
      for (const c of code) {
        if (c === open) depth++;
        else if (c === close) depth--;
      }
      if (depth > 0)
        return { line: tag.lineNo, detail: `a \`${open}\` in this tag is never closed` };
    }
  }
  return undefined;
}

/** A `{` never closed or a `}` never opened across the code tags, the commonest slip. */
function braceProblem(
  eta: EmailEta,
  text: string,
): { line: number | undefined; detail: string } | undefined {
  const open: (number | undefined)[] = [];
  for (const tag of tags(eta, text)) {
    if (tag.t !== "e") continue;
    for (const c of withoutStrings(tag.val)) {
      if (c === "{") open.push(tag.lineNo);
      else if (c === "}" && open.pop() === undefined && !open.length) {
        return { line: tag.lineNo, detail: "a `}` closes a block that was never opened" };
      }
    }
  }
  return open.length
    ? { line: open.at(-1), detail: "a block opened here is never closed (a `<% } %>` is missing?)" }
    : undefined;
}

interface Tag {
  t: string;
  val: string;
  lineNo?: number;
}

function tags(eta: EmailEta, text: string): Tag[] {
  return eta.parse.call(eta, text).filter((node): node is Tag => typeof node !== "string");
}

/** String literals blanked out (same length), so `"it.x"` in a string is not a reference. */
function withoutStrings(code: string): string {
  return code.replace(/'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"/g, (s) => " ".repeat(s.length));
}

const REFERENCE =
  /(?<![\w$.])it\s*(?:\?\.|\.)\s*([A-Za-z_$][\w$]*)(?:\s*(?:\?\.|\.)\s*([A-Za-z_$][\w$]*))?/g;

/**
 * Every `it.NAME` (and `it.event.NAME`) must be a known variable: a typo would otherwise render
 * as an empty string in thousands of emails. Reported at the first one, with a suggestion.
 */
function checkReferences(eta: EmailEta, source: Source, text: string): Set<string> {
  const found = new Set<string>();
  let parsed: Tag[];
  try {
    parsed = tags(eta, text);
  } catch {
    return found; // compileOrLocate reports the parse error with its place.
  }
  for (const tag of parsed) {
    const code = withoutStrings(tag.val);
    for (const match of code.matchAll(REFERENCE)) {
      const [, top = "", second] = match;
      const line = (tag.lineNo ?? source.line) + countNewlines(code.slice(0, match.index));
      if (!(TEMPLATE_VARIABLES as readonly string[]).includes(top)) {
        throw unknownVariable(source.file, line, `it.${top}`, TEMPLATE_VARIABLES, "it.");
      }
      if (top === "event" && second && !(EVENT_VARIABLES as readonly string[]).includes(second)) {
        throw unknownVariable(
          source.file,
          line,
          `it.event.${second}`,
          EVENT_VARIABLES,
          "it.event.",
        );
      }
      if (top === "links" && second && !(LINK_VARIABLES as readonly string[]).includes(second)) {
        throw unknownVariable(source.file, line, `it.links.${second}`, LINK_VARIABLES, "it.links.");
      }
      found.add(
        second && (top === "event" || top === "fields" || top === "links")
          ? `${top}.${second}`
          : top,
      );
    }
  }
  return found;
}

/** The rule that keeps templates from printing codes (`template-rules.ts`), on every tag. */
function checkCode(eta: EmailEta, source: Source, text: string): void {
  let parsed: Tag[];
  try {
    parsed = tags(eta, text);
  } catch {
    return; // compileOrLocate reports the parse error with its place.
  }
  checkTemplateCode(
    parsed.map((tag) => atCodeStart(tag, text)),
    source.file,
    source.line,
  );
}

/**
 * Eta trims a tag's code and gives the line the tag opens on; `<%` alone on its line puts the
 * code lines below. The tag with the line its code starts on.
 */
function atCodeStart(tag: Tag, text: string): Tag {
  if (tag.lineNo === undefined || tag.val === "") return tag;
  let offset = 0;
  for (let line = 1; line < tag.lineNo && offset >= 0; line++) {
    offset = text.indexOf("\n", offset) + 1;
    if (offset === 0) return tag;
  }
  const at = text.indexOf(tag.val, offset);
  if (at < 0) return tag;
  return { ...tag, lineNo: tag.lineNo + countNewlines(text.slice(offset, at)) };
}

function unknownVariable(
  file: string,
  line: number,
  name: string,
  known: readonly string[],
  prefix: string,
): TemplateError {
  const bare = name.slice(prefix.length).toLowerCase();
  const best = known
    .map((k) => ({ k, d: k.startsWith(bare) || bare.startsWith(k) ? 1 : distance(bare, k) }))
    .sort((a, b) => a.d - b.d)[0];
  const guess = best && best.d <= Math.max(2, Math.floor(bare.length / 3)) ? best.k : undefined;
  return new TemplateError(
    file,
    line,
    `unknown variable ${name}${guess ? ` (did you mean ${prefix}${guess}?)` : ""}`,
    `variables: ${TEMPLATE_VARIABLES.map((v) => `it.${v}`).join(", ")}; it.event.{${EVENT_VARIABLES.join(", ")}}; it.links.{${LINK_VARIABLES.join(", ")}}; it.fields.COLUMN for custom CSV columns`,
  );
}

function countNewlines(text: string): number {
  let n = 0;
  for (const c of text) if (c === "\n") n++;
  return n;
}

/** A throw while rendering, at the line of the tag that ran. */
function runtimeError(error: Error, file: string, line: number): TemplateError {
  const bare = /^(\w+) is not defined$/.exec(error.message)?.[1];
  if (bare && (TEMPLATE_VARIABLES as readonly string[]).includes(bare)) {
    return new TemplateError(file, line, `unknown variable ${bare} (did you mean it.${bare}?)`);
  }
  return new TemplateError(file, line, error.message);
}
