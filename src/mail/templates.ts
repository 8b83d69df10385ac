/**
 * Email templates: the built-ins shipped in the package's `templates/LOCALE/` folders (one per
 * language an event can have; English is the fallback for a name a language lacks; attendee
 * pages belong in `templates/LOCALE/pages/`, which is not read here), overridden
 * or added to by a workspace's own templates folder (`EVCRED_TEMPLATES`, else `templates/` next
 * to its database file: see templates-dir.ts), which wins in every language. A template is
 * `NAME.eta` — a front-matter block with the subject, then the plain-text body — and optionally
 * `NAME.html.eta`, the HTML body. It is compiled once
 * (`loadTemplate`); `render` is then cheap, for the thousands of messages of a send.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import { distance } from "../domain/attendees.js";
import type { PageLinks } from "../domain/page-links.js";
import { errorCode, errorReason, UsageError } from "../errors.js";
import { DomainError } from "../domain/errors.js";
import { packageFile } from "../package-root.js";
import { compilePart, TemplateError, type CompiledPart, type Source } from "./template-compile.js";
import { assertTemplateFilesPrivate } from "./template-rules.js";
import { shownIn, type TemplatesDir } from "./templates-dir.js";

export { TemplateError } from "./template-compile.js";

export interface TemplateVars {
  user_email: string;
  user_pass: string;
  first_name: string;
  last_name: string;
  full_name: string;
  fields: Record<string, string>;
  event: {
    name: string;
    slug: string;
    /** For people: `4 May 2026, 11:00 (Europe/Madrid)`, in the event's zone and language. */
    starts_at: string | null;
    /** For code: ISO UTC (`2026-05-04T09:00:00.000Z`). */
    starts_at_iso: string | null;
    /** The event's IANA zone, `UTC` when it has none. */
    timezone: string;
    login_url: string | null;
  };
  /** The attendee pages of `evcred serve`; null each when the public URL is not known. */
  links: PageLinks;
}

export interface RenderedMessage {
  /** One line: CR, LF and other control characters removed (no header injection). */
  subject: string;
  text: string;
  html: string | undefined;
}

export type TemplateOrigin = "builtin" | "workspace";

/** Which of the two credential variables a part of a template mentions. */
export interface Uses {
  email: boolean;
  code: boolean;
}

export interface CompiledTemplate {
  name: string;
  origin: TemplateOrigin;
  /** Absolute paths: `NAME.eta`, then `NAME.html.eta` when there is one. */
  files: string[];
  render(vars: TemplateVars): RenderedMessage;
  /** Mentioned anywhere (subject, text or HTML). */
  uses: Uses;
  /** The custom columns it mentions (`it.fields.company` → `company`), anywhere. */
  fields: readonly string[];
  /** Per part, for the credentials rule; `html` is undefined without an HTML body. */
  parts: { subject: Uses; text: Uses; html: Uses | undefined };
  /**
   * The files as errors name them: `templates/NAME.eta` for a workspace's own in the default
   * folder, the absolute path in the folder EVCRED_TEMPLATES names.
   */
  display: { text: string; html: string | undefined };
}

export interface TemplateInfo {
  name: string;
  origin: TemplateOrigin;
  /** Absolute paths of its files. */
  files: string[];
  html: boolean;
  /** A workspace template with the name of a built-in, which it replaces. */
  overrides: boolean;
}

/** Where the built-ins are, from src/mail and from dist/mail alike: one folder per language. */
export const BUILTIN_DIR = packageFile("templates");
export const DEFAULT_LOCALE = "en";

/** The built-ins of one language: `templates/es/`. */
export function builtinDir(locale: string = DEFAULT_LOCALE): string {
  return join(BUILTIN_DIR, locale);
}

/**
 * A folder EVCRED_TEMPLATES names must be one (UsageError, exit 2, naming the setting): a typo
 * there would otherwise quietly send the built-ins. The default folder may be missing (no
 * templates of its own). `forWriting`: a missing folder is fine, it will be made.
 */
export function assertTemplatesDir(dir: TemplatesDir, forWriting = false): void {
  let isFolder: boolean;
  try {
    isFolder = statSync(dir.path).isDirectory();
  } catch (error) {
    const code = errorCode(error);
    if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
    if (dir.setting === undefined || forWriting) return;
    throw new UsageError(`${dir.setting} names ${dir.path}, which does not exist`, {
      hint: `create the folder (mkdir -m 700 ${dir.path}), make a template there with \`evcred template new NAME\`, or unset ${dir.setting} for the templates/ folder beside the workspace`,
    });
  }
  if (isFolder) return;
  throw new UsageError(
    `${dir.setting ?? "the templates folder"} names ${dir.path}, which is a file, not a folder`,
    {
      hint:
        dir.setting === undefined
          ? `move the file away: the workspace's own templates go in ${dir.path}/`
          : `point ${dir.setting} at the folder of your templates`,
    },
  );
}

/**
 * Every template the workspace can use, by name, for an event in `locale`; a workspace's own
 * wins over a built-in, a built-in of that language over the English one.
 */
export function listTemplates(
  templatesDir: TemplatesDir,
  locale: string = DEFAULT_LOCALE,
): TemplateInfo[] {
  const localized = locale === DEFAULT_LOCALE ? [] : namesIn(builtinDir(locale));
  const builtins = [...new Set([...localized, ...namesIn(builtinDir())])];
  if (templatesDir.setting !== undefined) assertTemplatesDir(templatesDir);
  const own = namesIn(templatesDir.path);
  const names = [...new Set([...builtins, ...own])].sort();
  return names.map((name) => {
    const origin: TemplateOrigin = own.includes(name) ? "workspace" : "builtin";
    const files = filesOf(
      origin === "workspace"
        ? templatesDir.path
        : builtinDir(localized.includes(name) ? locale : DEFAULT_LOCALE),
      name,
    );
    return {
      name,
      origin,
      files,
      html: files.length > 1,
      overrides: origin === "workspace" && builtins.includes(name),
    };
  });
}

/**
 * The template NAME for an event in `locale`, compiled; a UsageError (exit 2) naming the file
 * and line of any problem.
 */
export function loadTemplate(
  templatesDir: TemplatesDir,
  name: string,
  locale: string = DEFAULT_LOCALE,
): CompiledTemplate {
  const info = findTemplate(templatesDir, name, locale);
  const [textFile = "", htmlFile] = info.files;
  const shown = (file: string) =>
    info.origin === "workspace" ? shownIn(templatesDir, basename(file)) : file;
  const display = {
    text: shown(textFile),
    html: htmlFile === undefined ? undefined : shown(htmlFile),
  };
  if (info.origin === "workspace") {
    assertTemplateFilesPrivate(info.files, info.files.map(shown), templatesDir.shown);
  }
  const { subject, body } = splitTemplate(display.text, readTemplateFile(textFile, display.text));
  const parts = {
    subject: compilePart(subject, "text"),
    text: compilePart(body, "text"),
    html:
      htmlFile === undefined || display.html === undefined
        ? undefined
        : compilePart(
            { file: display.html, text: readTemplateFile(htmlFile, display.html), line: 1 },
            "html",
          ),
  };
  const all = [parts.subject, parts.text, parts.html].filter((p) => p !== undefined);
  return {
    name,
    origin: info.origin,
    files: info.files,
    display,
    uses: { email: all.some((p) => usesOf(p).email), code: all.some((p) => usesOf(p).code) },
    fields: [
      ...new Set(
        all.flatMap((p) =>
          [...p.references].filter((r) => r.startsWith("fields.")).map((r) => r.slice(7)),
        ),
      ),
    ],
    parts: {
      subject: usesOf(parts.subject),
      text: usesOf(parts.text),
      html: parts.html ? usesOf(parts.html) : undefined,
    },
    render(vars) {
      return {
        subject: headerValue(parts.subject.render(vars)),
        text: tidyText(parts.text.render(vars)),
        html: parts.html?.render(vars),
      };
    },
  };
}

/**
 * A credentials email must reach the attendee with both their email and their code. A client
 * shows either the text body or the HTML body, never both, so each body there is must carry the
 * code (`it.user_pass`) and the email (`it.user_email`, which may instead be in the subject).
 */
export function assertCredentialTemplate(t: CompiledTemplate): void {
  const missing: string[] = [];
  const bodies: [string, Uses, string][] = [["text body", t.parts.text, t.display.text]];
  if (t.parts.html && t.display.html) bodies.push(["HTML body", t.parts.html, t.display.html]);
  for (const variable of ["user_email", "user_pass"] as const) {
    const lacking = bodies.filter(([, uses]) =>
      variable === "user_pass" ? !uses.code : !uses.email && !t.parts.subject.email,
    );
    if (lacking.length) {
      missing.push(
        `it.${variable} is missing from the ${lacking.map(([what, , file]) => `${what} (${file})`).join(" and the ")}`,
      );
    }
  }
  if (missing.length) {
    throw new UsageError(`template "${t.name}" cannot carry credentials: ${missing.join("; ")}`, {
      hint: "a credentials email needs <%= it.user_email %> and <%= it.user_pass %> in each body (text, and HTML if there is one)",
    });
  }
}

/**
 * What `template check` proves: the template renders for each sample (a throw names the file,
 * the line and the sample), the subject is not empty, and it carries the credentials.
 */
export function checkTemplate(
  t: CompiledTemplate,
  samples: readonly { label: string; vars: TemplateVars }[],
): void {
  for (const { label, vars } of samples) {
    let message: RenderedMessage;
    try {
      message = t.render(vars);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      throw new TemplateError(
        error.file,
        error.line,
        `${error.detail} (rendering for ${label})`,
        error.hint,
      );
    }
    if (!message.subject) {
      throw new TemplateError(t.display.text, undefined, `the subject renders empty for ${label}`);
    }
    const invalid = [message.subject, message.text, message.html ?? ""].findIndex((part) =>
      part.includes("Invalid Date"),
    );
    if (invalid !== -1) {
      throw new TemplateError(
        invalid === 2 ? (t.display.html ?? t.display.text) : t.display.text,
        undefined,
        `renders "Invalid Date" for ${label}`,
        "it.event.starts_at is already written for people (4 May 2026, 11:00 (Europe/Madrid)); to format it yourself, use new Date(it.event.starts_at_iso)",
      );
    }
  }
  assertCredentialTemplate(t);
}

/**
 * Copies template FROM (a built-in in `locale`, or one of the workspace's) to the workspace's
 * templates folder as NAME, making the folder when it is missing.
 */
export function createTemplate(
  templatesDir: TemplatesDir,
  name: string,
  from: string,
  locale: string = DEFAULT_LOCALE,
): string[] {
  assertName(name);
  assertTemplatesDir(templatesDir, true);
  const source = findTemplate({ ...templatesDir, setting: undefined }, from, locale);
  const dir = templatesDir.path;
  const targets = source.files.map((file) =>
    join(dir, file.endsWith(".html.eta") ? `${name}.html.eta` : `${name}.eta`),
  );
  for (const target of [join(dir, `${name}.eta`), join(dir, `${name}.html.eta`)]) {
    if (existsSync(target)) {
      throw new DomainError({
        code: "template-exists",
        file: shownIn(templatesDir, basename(target)),
        from,
      });
    }
  }
  // Writable by the organizer only: a template others can change is refused (template-rules.ts).
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  source.files.forEach((file, i) => {
    const target = targets[i] ?? "";
    writeFileSync(target, readFileSync(file, "utf8"), { flag: "wx", mode: 0o644 });
    chmodSync(target, 0o644);
  });
  return targets;
}

export function isBuiltin(name: string): boolean {
  return namesIn(builtinDir()).includes(name);
}

/** Subject and other header values: one line, no control characters, no header injection. */
export function headerValue(value: string): string {
  return (
    value
      // eslint-disable-next-line no-control-regex -- removing control characters is the point
      .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ")
      .replace(/ {2,}/g, " ")
      .trim()
  );
}

function findTemplate(templatesDir: TemplatesDir, name: string, locale: string): TemplateInfo {
  assertName(name);
  const all = listTemplates(templatesDir, locale);
  const found = all.find((t) => t.name === name);
  if (found) return found;
  const orphan = join(templatesDir.path, `${name}.html.eta`);
  const close = all
    .map((t) => ({ name: t.name, d: distance(name, t.name) }))
    .filter((t) => t.d <= 3)
    .sort((a, b) => a.d - b.d)[0];
  throw new UsageError(`no template "${name}"${close ? ` (did you mean ${close.name}?)` : ""}`, {
    hint: existsSync(orphan)
      ? `${shownIn(templatesDir, `${name}.html.eta`)} needs ${name}.eta next to it (subject and text body)`
      : `known templates: ${all.map((t) => t.name).join(", ")}; make one with: evcred template new ${name}`,
  });
}

function assertName(name: string): void {
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/i.test(name)) {
    throw new UsageError(`"${name}" is not a template name`, {
      hint: "use letters, digits, - and _ (e.g. credentials-fr); the file is templates/NAME.eta",
    });
  }
}

function namesIn(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries
    .filter((f) => f.endsWith(".eta") && !f.endsWith(".html.eta"))
    .map((f) => f.slice(0, -".eta".length))
    .filter((n) => /^[a-z0-9][a-z0-9_-]{0,63}$/i.test(n));
}

function filesOf(dir: string, name: string): string[] {
  const html = join(dir, `${name}.html.eta`);
  return [join(dir, `${name}.eta`), ...(existsSync(html) ? [html] : [])];
}

/** Far above any email (the built-ins are a few KB), far below what would stall a send. */
export const MAX_TEMPLATE_BYTES = 512 * 1024;

function readTemplateFile(path: string, shown: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = errorReason(error);
    throw new UsageError(`cannot read ${shown}: ${code}`);
  }
  if (bytes.length > MAX_TEMPLATE_BYTES) {
    throw new UsageError(
      `${shown} is ${(bytes.length / 1024).toFixed(0)} KB; a template may have at most ${MAX_TEMPLATE_BYTES / 1024} KB`,
    );
  }
  try {
    return new TextDecoder("utf-8", { fatal: true })
      .decode(bytes)
      .replace(/^\uFEFF/, "")
      .replace(/\r\n?/g, "\n");
  } catch {
    // Bytes from another encoding would reach attendees as garbage: name the line instead.
    const good = new TextDecoder("utf-8").decode(bytes).split("\uFFFD")[0] ?? "";
    const line = good.split(/\r\n?|\n/).length;
    throw new UsageError(`${shown}:${line}: not UTF-8 text`, {
      hint: "save the template as UTF-8 (most editors: File → Save with encoding → UTF-8)",
    });
  }
}

const FORMAT_HINT =
  "a template starts with a front-matter block:\n---\nsubject: Your access code for <%= it.event.name %>\n---\nthen the text body";

/** `---` / `subject: …` / `---`, then the text body. */
function splitTemplate(file: string, content: string): { subject: Source; body: Source } {
  const lines = content.split("\n");
  if (lines[0]?.trim() !== "---") {
    throw new TemplateError(file, 1, "expected a front-matter block (---) first", FORMAT_HINT);
  }
  const close = lines.findIndex((l, i) => i > 0 && l.trim() === "---");
  if (close < 0) {
    throw new TemplateError(
      file,
      1,
      "the front-matter block is never closed with ---",
      FORMAT_HINT,
    );
  }
  let subject: Source | undefined;
  for (let i = 1; i < close; i++) {
    const line = lines[i] ?? "";
    if (!line.trim() || line.trimStart().startsWith("#")) continue;
    const entry = /^\s*([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    const key = entry?.[1];
    if (key !== "subject") {
      throw new TemplateError(
        file,
        i + 1,
        key
          ? `unknown front-matter key "${key}"${distance(key.toLowerCase(), "subject") <= 2 ? " (did you mean subject?)" : ""}`
          : `expected "subject: …"`,
        FORMAT_HINT,
      );
    }
    if (subject) throw new TemplateError(file, i + 1, "a second subject", FORMAT_HINT);
    subject = { file, text: entry?.[2]?.trim() ?? "", line: i + 1 };
  }
  if (!subject?.text) {
    throw new TemplateError(
      file,
      subject?.line ?? 1,
      "the front-matter block has no subject",
      FORMAT_HINT,
    );
  }
  return { subject, body: { file, text: lines.slice(close + 1).join("\n"), line: close + 2 } };
}

/** No blank lines at the top, at most one blank line in a row, one newline at the end. */
function tidyText(text: string): string {
  return (
    text
      .replace(/^(?:[ \t]*\n)+/, "")
      .replace(/\n{3,}/g, "\n\n")
      .trimEnd() + "\n"
  );
}

function usesOf(part: CompiledPart): Uses {
  return { email: part.references.has("user_email"), code: part.references.has("user_pass") };
}
