/**
 * A template must not be a way to print the codes (SPEC, Templates). Its JavaScript runs in the
 * sending process for every attendee, so the rule is kept structural rather than hoping to spot
 * every trick:
 *
 * - the code only ever flows into the message: `it.user_pass` may appear only alone in an output
 *   tag (`<%= it.user_pass %>`), never in template code, a larger expression or even a string
 *   (`it["user_pass"]`);
 * - `it` is used only as `it.NAME`: passed around whole (`const p = it`, `it[k]`,
 *   `Object.values(it)`) it would carry the code into code;
 * - no tag reaches what prints, writes, sends or builds code: `console`, `process`, `require`,
 *   `import`, `globalThis`, `Function`, `eval`, and what leads to them (`this`, `arguments`,
 *   `constructor`, …);
 * - nor Eta's helpers that turn output back into a value (`__eta`, `capture`, `block`,
 *   `layout`; `include` only alone in an output tag): a code captured into a variable could be
 *   kept and shown in the next attendee's message.
 *
 * Refused with the file and line, by `template check` and by every send (they compile alike).
 */
import { statSync } from "node:fs";
import { dirname } from "node:path";
import { errorCode } from "../errors.js";
import { TemplateError } from "./template-compile.js";

export interface TemplateTag {
  /** `e`: code (`<% %>`), `i`: output (`<%= %>`), `r`: raw output (`<%~ %>`). */
  t: string;
  val: string;
  lineNo?: number;
}

/** Names no template may use as a free identifier. */
const FORBIDDEN_GLOBALS = [
  "console",
  "process",
  "require",
  "import",
  "globalThis",
  "global",
  "Function",
  "eval",
  "this",
  "arguments",
  "module",
  "exports",
  "Reflect",
  "Proxy",
  "fetch",
  "XMLHttpRequest",
  "WebSocket",
  "with",
  // Eta's own helpers inside a render: they hand template code what was output so far (the
  // code included), or render another template into a value.
  "__eta",
  "capture",
  "captureAsync",
  "block",
  "blockAsync",
  "output",
  "layout",
  "include",
  "includeAsync",
] as const;

/** Property names that lead from any value to `Function` and the global object. */
const FORBIDDEN_PROPERTIES = ["constructor", "__proto__", "prototype", "__defineGetter__"];

/** `<%~ include("footer", it) %>`: the only way a partial may be used. */
const INCLUDE_ALONE = /^\s*include\(\s*(['"])[\w./-]+\1\s*(?:,\s*it\s*)?\)\s*$/;

const RULE_HINT =
  "a template must not be a way to print the codes: use <%= it.user_pass %> on its own, and keep template code to if, loops and formatting of it.NAME values";

export function checkTemplateCode(
  tags: readonly TemplateTag[],
  file: string,
  firstLine: number,
): void {
  for (const tag of tags) {
    const line = (at: number) => (tag.lineNo ?? firstLine) + newlinesIn(tag.val.slice(0, at));
    const raw = tag.val;
    const code = withoutStringsAndComments(raw);

    // `\u0069t.user\u005fpass` is `it.user_pass` to JavaScript and to no check here.
    const escaped = /\\u/.exec(code);
    if (escaped) {
      throw new TemplateError(
        file,
        line(escaped.index),
        "template code must not spell names with \\u escapes",
        RULE_HINT,
      );
    }

    const pass = /user_pass/.exec(raw);
    if (pass) {
      // A bare `user_pass` is only a typo (unknown variable, said when it renders), not a use.
      const alone = /^\s*(?:it\s*(?:\?\.|\.)\s*)?user_pass\s*$/.test(raw);
      if (tag.t === "e" || !alone) {
        throw new TemplateError(
          file,
          line(pass.index),
          tag.t === "e"
            ? "template code (<% … %>) must not touch it.user_pass: the code may only be output, with <%= it.user_pass %>"
            : "it.user_pass may only be output on its own (<%= it.user_pass %>), not inside an expression",
          RULE_HINT,
        );
      }
      continue;
    }
    // A partial goes straight into the message too, `it` with it, or not at all.
    if (tag.t !== "e" && INCLUDE_ALONE.test(raw)) continue;

    for (const match of code.matchAll(/(?<![\w$.])it(?![\w$])/g)) {
      const after = code.slice(match.index + 2);
      if (!/^\s*(?:\?\.|\.)\s*[A-Za-z_$]/.test(after)) {
        throw new TemplateError(
          file,
          line(match.index),
          "`it` may only be used as it.NAME (not passed around whole, nor as it[...])",
          RULE_HINT,
        );
      }
    }

    for (const name of FORBIDDEN_GLOBALS) {
      const found = new RegExp(`(?<![\\w$.])${escape(name)}(?![\\w$])`).exec(code);
      if (found) {
        throw new TemplateError(
          file,
          line(found.index),
          `template code must not use \`${name}\``,
          RULE_HINT,
        );
      }
    }
    for (const name of FORBIDDEN_PROPERTIES) {
      const found = new RegExp(`(?<![\\w$])${escape(name)}(?![\\w$])`).exec(raw);
      if (found) {
        throw new TemplateError(
          file,
          line(found.index),
          `template code must not use \`${name}\``,
          RULE_HINT,
        );
      }
    }
  }
}

/**
 * A template someone else can write is a template someone else can make print the codes:
 * refuse the workspace's templates folder or a template file writable by group or others.
 */
export function assertTemplateFilesPrivate(
  files: readonly string[],
  shown: readonly string[],
): void {
  const folder = files[0] === undefined ? undefined : dirname(files[0]);
  const checks: [string, string][] = [
    ...(folder === undefined ? [] : [[folder, "templates/"] as [string, string]]),
    ...files.map((f, i): [string, string] => [f, shown[i] ?? f]),
  ];
  for (const [path, name] of checks) {
    let mode: number;
    try {
      mode = statSync(path).mode;
    } catch (error) {
      if (errorCode(error) === "ENOENT") continue;
      throw error;
    }
    if ((mode & 0o022) !== 0) {
      const octal = (mode & 0o777).toString(8);
      throw new TemplateError(
        name,
        undefined,
        `${path === folder ? "the templates folder" : "this template"} is writable by ${mode & 0o020 ? "its group" : ""}${(mode & 0o022) === 0o022 ? " and " : ""}${mode & 0o002 ? "others" : ""} (mode ${octal}): whoever can change it can make it print the codes`,
        `restrict it: chmod go-w ${path}`,
      );
    }
  }
}

/** String literals and comments blanked out (same length): a name in a string is not a use. */
function withoutStringsAndComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"/g, (s) =>
    s.replace(/[^\n]/g, " "),
  );
}

function escape(name: string): string {
  return name.replace(/[$]/g, "\\$");
}

function newlinesIn(text: string): number {
  let n = 0;
  for (const c of text) if (c === "\n") n++;
  return n;
}
