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
import { realpathSync, statSync } from "node:fs";
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
  // Its reflection (getOwnPropertyDescriptor, getPrototypeOf…) reaches any property by a
  // computed name: `constructor`, then `Function`.
  "Object",
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
const FORBIDDEN_PROPERTIES = [
  "constructor",
  "__proto__",
  "prototype",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
  // A stack's call sites hand out the render's `this` (Eta, whose compile skips these checks).
  "prepareStackTrace",
  "captureStackTrace",
  "getThis",
  "getFunction",
];

/** `it.fields["Company name"]`: the only `[` template code may use, a plain string inside. */
const PLAIN_INDEX = /^\[\s*(['"])[^'"\\\n]*\1\s*\]/;

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
    const scanned = withoutStringsAndComments(raw);
    if ("refused" in scanned)
      throw new TemplateError(file, line(scanned.at), scanned.refused, RULE_HINT);
    const { code, values } = scanned;

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

    // Globals as names (not after a dot) in the code; properties anywhere in the raw text.
    const searches = [
      ...FORBIDDEN_GLOBALS.map((name) => [name, "(?<![\\w$.])", code] as const),
      ...FORBIDDEN_PROPERTIES.map((name) => [name, "(?<![\\w$])", raw] as const),
    ];
    for (const [name, before, text] of searches) {
      const found = new RegExp(`${before}${escape(name)}(?![\\w$])`).exec(text);
      if (found) {
        throw new TemplateError(
          file,
          line(found.index),
          `template code must not use \`${name}\``,
          RULE_HINT,
        );
      }
    }

    // A computed name (`"".sub["constr" + "uctor"]`, `{ ["constr" + "uctor"]: F } = …`) is one
    // no check here can read: `[` is an array, or indexes with a plain string.
    const computed = computedName(values, raw);
    if (computed !== undefined) {
      throw new TemplateError(
        file,
        line(computed),
        'template code may use [ ] only for an array or around a plain string (it.fields["Company name"]), not to compute a name',
        RULE_HINT,
      );
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
  shownFolder = "templates",
): void {
  const folder = files[0] === undefined ? undefined : dirname(files[0]);
  const checks: [string, string][] = [
    ...(folder === undefined ? [] : [[folder, `${shownFolder}/`] as [string, string]]),
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
  // Followed to where they really are, the files and every folder above them: a symlink to a
  // file in a folder others can write, or a workspace in one, lets them replace the template.
  for (const [i, file] of files.entries()) {
    const loose = looseFolderAbove(file);
    if (loose) {
      throw new TemplateError(
        shown[i] ?? file,
        undefined,
        `${loose.what}: whoever can change it can make the template print the codes`,
        loose.fix,
      );
    }
  }
}

/**
 * String literals and comments blanked out (same length): a name in a string is not a use. Read
 * as JavaScript reads them, or not at all: what this scanner could read otherwise than JavaScript
 * does — a template literal, a regular expression (or a `/` it cannot tell from one), an HTML-like
 * comment, a line separator (U+2028, U+2029, CR: they end a `//` comment) — is refused, since a
 * quote JavaScript does not see as one would hide the code after it from every check.
 */
function withoutStringsAndComments(
  code: string,
): { code: string; values: string } | { refused: string; at: number } {
  // Anywhere, strings included: then a line ends only at \n, for this scanner as for JavaScript.
  const separator = /[\r\u2028\u2029]/.exec(code);
  if (separator)
    return {
      refused: "template code must not hold a line separator (U+2028, U+2029 or CR)",
      at: separator.index,
    };
  let out = "";
  // The same, with each string as a run of 0s: where a value stands, for the `[` check.
  let values = "";
  let i = 0;
  const blank = (text: string) => text.replace(/[^\n]/g, " ");
  while (i < code.length) {
    const c = code[i] ?? "";
    const next = code[i + 1] ?? "";
    if (c === "`") return { refused: "template code must not use template literals (`…`)", at: i };
    if (code.startsWith("<!--", i) || code.startsWith("-->", i))
      return { refused: "template code must not use HTML-like comments (<!-- -->)", at: i };
    if (c === "/" && next === "/") {
      const end = code.indexOf("\n", i);
      const stop = end === -1 ? code.length : end;
      out += blank(code.slice(i, stop));
      values += blank(code.slice(i, stop));
      i = stop;
    } else if (c === "/" && next === "*") {
      const end = code.indexOf("*/", i + 2);
      const stop = end === -1 ? code.length : end + 2;
      out += blank(code.slice(i, stop));
      values += blank(code.slice(i, stop));
      i = stop;
    } else if (c === "/") {
      return {
        refused: "template code must not use / (a regular expression or a division)",
        at: i,
      };
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      // An unescaped line break ends the string as a syntax error, which compiling reports.
      while (j < code.length && code[j] !== c && code[j] !== "\n") {
        if (code[j] === "\\" && !/[ntr\\'"]/.test(code[j + 1] ?? "")) {
          // `"constr\x75ctor"` is a name no check here would see.
          return {
            refused:
              "template code must not use escapes in strings other than \\n \\t \\r \\\\ \\' \\\"",
            at: j,
          };
        }
        j += code[j] === "\\" ? 2 : 1;
      }
      const stop = Math.min(j + 1, code.length);
      out += blank(code.slice(i, stop));
      values += "0".repeat(stop - i);
      i = stop;
    } else {
      out += c;
      values += c;
      i++;
    }
  }
  return { code: out, values };
}

/** Keywords after which `[` starts an array, not an index. */
const BEFORE_ARRAY =
  /(?<![\w$.])(?:of|in|return|typeof|void|case|yield|await|else|do|instanceof|new|delete|throw)$/;

/**
 * Where `values` (the code, strings as 0s) has a `[` that indexes a value or names an object key
 * — or could, read otherwise — with anything but a plain string (`raw` has the strings): after a
 * name, a value, `)`, `]`, `}` or `?.` it indexes; after `{`, or a `,` inside braces, it is a
 * computed key. One pass, whatever the number of brackets.
 */
function computedName(values: string, raw: string): number | undefined {
  const open: string[] = [];
  let last = -1;
  for (let i = 0; i < values.length; i++) {
    const c = values[i] ?? "";
    if (c === "[") {
      const before = values.slice(Math.max(0, last - 11), last + 1);
      const prev = values[last] ?? "";
      const computes =
        !BEFORE_ARRAY.test(before) &&
        (/[\w$)\]}.{]/.test(prev) || (prev === "," && (open.length === 0 || open.at(-1) === "{")));
      if (computes && !PLAIN_INDEX.test(raw.slice(i, i + 4096))) return i;
    }
    if (c === "(" || c === "[" || c === "{") open.push(c);
    else if (c === ")" || c === "]" || c === "}") open.pop();
    if (!/\s/.test(c)) last = i;
  }
  return undefined;
}

/**
 * What someone else could change above `file` (symlinks resolved): the real file writable by
 * group or others, or a folder above it writable by group or others without the sticky bit
 * (`/tmp` is fine) or owned by another user than root or this one.
 */
function looseFolderAbove(file: string): { what: string; fix: string } | undefined {
  let real: string;
  try {
    real = realpathSync(file);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
  const me = process.getuid?.();
  if ((statSync(real).mode & 0o022) !== 0) {
    return {
      what: `this template is ${real}, which group or others can write`,
      fix: `restrict it: chmod go-w ${real}`,
    };
  }
  for (let dir = dirname(real); ; dir = dirname(dir)) {
    const st = statSync(dir);
    const octal = (st.mode & 0o7777).toString(8);
    if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) {
      return {
        what: `this template is under ${dir}, which group or others can write (mode ${octal})`,
        fix: `restrict it: chmod go-w ${dir}`,
      };
    }
    if (me !== undefined && st.uid !== 0 && st.uid !== me) {
      return {
        what: `this template is under ${dir}, which belongs to another user (uid ${st.uid})`,
        fix: "keep the workspace and its templates in folders that only you (and root) own",
      };
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function escape(name: string): string {
  return name.replace(/[$]/g, "\\$");
}

function newlinesIn(text: string): number {
  let n = 0;
  for (const c of text) if (c === "\n") n++;
  return n;
}
