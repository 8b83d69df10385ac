/**
 * The attendee pages' templates: Eta files, HTML-escaped, in `templates/LOCALE/pages/NAME.eta`
 * (the event's language, English when that language lacks one), replaced by a workspace's own
 * `pages/NAME.eta` in its templates folder (`templates/`, or EVCRED_TEMPLATES) in every language,
 * as its own emails replace the built-in ones. A file is compiled when first used and again when
 * it changes.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Eta } from "eta/core";
import { assertTemplateFilesPrivate } from "../mail/template-rules.js";
import { BUILTIN_DIR, DEFAULT_LOCALE } from "../mail/templates.js";
import { shownIn, type TemplatesDir } from "../mail/templates-dir.js";

export type PageName = "sign-in" | "signed-in" | "refused" | ForgotPageName | ChangeCodePageName;

/** What the sign-in form says above its fields. */
export type SignInMessage = "invalid" | "locked" | "bad-email" | null;

/** Why a request was refused, for the `refused` page. */
export type RefusalReason = "not-found" | "forbidden" | "too-many" | "bad-request";

export interface PageVars {
  /** The stylesheet's path. */
  css: string;
  event: { name: string; slug: string } | null;
}

export interface SignInVars extends PageVars {
  event: { name: string; slug: string };
  action: string;
  csrf: string;
  /** The email typed, shown again after a refusal. */
  email: string;
  message: SignInMessage;
  /** When a locked sign-in opens again, for people: `09:15 (Europe/Madrid)`. */
  locked_until: string | null;
}

export interface SignedInVars extends PageVars {
  event: { name: string; slug: string };
  full_name: string;
}

export interface RefusedVars extends PageVars {
  status: number;
  reason: RefusalReason;
  /** Where to start again (the sign-in page), when there is an event. */
  back: string | null;
}

/** Forgot my code: the form, then the one answer (or: not offered by this event). */
export type ForgotPageName = "forgot";
export type ForgotState = "form" | "on-its-way" | "not-enabled";

export interface ForgotVars extends PageVars {
  event: { name: string; slug: string };
  state: ForgotState;
  action: string;
  csrf: string;
  email: string;
  /** Above the form: the address typed is not one. */
  message: "bad-email" | null;
  /** The sign-in page. */
  back: string;
}

/** Change my code: the form, then the page that says it changed. */
export type ChangeCodePageName = "change-code" | "code-changed";

/**
 * What the change-my-code form says above its fields: `invalid` (a wrong current code or an
 * unknown email, one message for both), `locked`, `bad-email`, `mismatch` (the two new entries
 * differ), `refused` (weak or another attendee's: one message for both), `same-code`.
 */
export type ChangeCodeMessage =
  "invalid" | "locked" | "bad-email" | "mismatch" | "refused" | "same-code" | null;

export interface ChangeCodeVars extends PageVars {
  event: { name: string; slug: string };
  action: string;
  csrf: string;
  /** The email typed, shown again only when it is a well-formed address; never a code. */
  email: string;
  message: ChangeCodeMessage;
  /** When a locked email can try again, for people: `09:15 (Europe/Madrid)`. */
  locked_until: string | null;
  /** The sign-in page. */
  back: string;
}

export interface CodeChangedVars extends PageVars {
  event: { name: string; slug: string };
  /** The sign-in page, to sign in with the new code. */
  sign_in: string;
}

const eta = new Eta({ autoEscape: true, autoTrim: false, useWith: false, cache: false });
type Compiled = ReturnType<Eta["compile"]>;
const compiled = new Map<string, { mtimeMs: number; fn: Compiled }>();

export class PageTemplates {
  readonly #templatesDir: TemplatesDir;

  constructor(templatesDir: TemplatesDir) {
    this.#templatesDir = templatesDir;
  }

  render(name: "sign-in", locale: string, vars: SignInVars): string;
  render(name: "signed-in", locale: string, vars: SignedInVars): string;
  render(name: "refused", locale: string, vars: RefusedVars): string;
  render(name: ForgotPageName, locale: string, vars: ForgotVars): string;
  render(name: "change-code", locale: string, vars: ChangeCodeVars): string;
  render(name: "code-changed", locale: string, vars: CodeChangedVars): string;
  render(name: PageName, locale: string, vars: PageVars): string {
    const file = this.#file(name, locale);
    const mtimeMs = statSync(file).mtimeMs;
    let entry = compiled.get(file);
    if (!entry || entry.mtimeMs !== mtimeMs) {
      entry = { mtimeMs, fn: eta.compile(readFileSync(file, "utf8")) };
      compiled.set(file, entry);
    }
    return entry.fn.call(eta, vars, { filepath: file });
  }

  #file(name: PageName, locale: string): string {
    const own = join(this.#templatesDir.path, "pages", `${name}.eta`);
    if (existsSync(own)) {
      const shown = shownIn(this.#templatesDir, "pages", `${name}.eta`);
      assertTemplateFilesPrivate([own], [shown], shownIn(this.#templatesDir, "pages"));
      return own;
    }
    const localized = join(BUILTIN_DIR, locale, "pages", `${name}.eta`);
    return existsSync(localized)
      ? localized
      : join(BUILTIN_DIR, DEFAULT_LOCALE, "pages", `${name}.eta`);
  }
}

/** The pages' stylesheet, shipped beside the templates. */
export const PAGE_CSS_FILE = join(BUILTIN_DIR, "page.css");
