/**
 * The rule for a code a person chose (an organizer's `reset-code --code`, an attendee's own on
 * `serve`'s change-my-code page): 8-32 letters and digits, and not one a guesser tries first.
 * A chosen code is marked as such in the workspace (`code_source`), so a weak one is the first a
 * cracker of a copied database would go for: refuse it rather than warn.
 *
 * Pure: the caller says what the code must not be (the email, the event's words); the answer is
 * a reason, never the code.
 */
import { MAX_CODE_LENGTH, MIN_CODE_LENGTH, normalizeCode } from "./codes.js";

export type WeakCodeReason =
  "length" | "symbols" | "repeated" | "sequence" | "common-word" | "email" | "event";

export interface WeakCode {
  reason: WeakCodeReason;
  /** Why, in words that never repeat the code. */
  message: string;
}

export interface ChosenCodeContext {
  /** The attendee's email: its name part (and the words in it) must not be the code. */
  email: string;
  /** The event's slug and name: their words must not be the code either. */
  eventWords?: readonly string[];
}

/**
 * Why `typed` is not acceptable as a chosen code, or undefined when it is. Compared after
 * normalizing both sides the way logins do (case, spaces and dashes ignored, look-alikes
 * folded), so `PASSW0RD` and `pass-word` are `PASSWORD`.
 */
export function weakCodeProblem(typed: string, context: ChosenCodeContext): WeakCode | undefined {
  const code = normalizeCode(typed);
  if (code.length < MIN_CODE_LENGTH || code.length > MAX_CODE_LENGTH) {
    return weak(
      "length",
      `a code must have ${MIN_CODE_LENGTH} to ${MAX_CODE_LENGTH} letters and digits (it has ${code.length})`,
    );
  }
  // Compared on letters and digits only, so a code typed as the email itself is named as such.
  const bare = code.replace(/[^A-Z0-9]/g, "");
  const core = wordKey(bare);
  const [local = ""] = context.email.split("@");
  const emailWords = [alnum(local), alnum(context.email), ...wordsOf(local)];
  if (emailWords.some((w) => matches(bare, core, w))) {
    return weak("email", "a code must not be the attendee's email or the name in it");
  }
  const eventWords = (context.eventWords ?? []).flatMap((w) => [alnum(w), ...wordsOf(w)]);
  if (eventWords.some((w) => matches(bare, core, w))) {
    return weak("event", "a code must not be the event's slug or name");
  }
  if (bare !== code) return weak("symbols", "a code may hold only letters A-Z and digits");
  if (isRepetition(code) || new Set(code).size < 4) {
    return weak("repeated", "a code must not be one symbol or a short pattern repeated");
  }
  if (isSequence(code) || isSequence(collapsed(code))) {
    return weak(
      "sequence",
      "a code must not be a run of letters or digits like 12345678 or ABCDEFGH",
    );
  }
  if (COMMON.has(core) || COMMON.has(unleet(core)) || isRepetition(core)) {
    return weak(
      "common-word",
      "a code must not be a common word or password, with or without digits around it",
    );
  }
  return undefined;
}

/** `11223344` → `1234`, `AAAABBBB` → `AB`: each run of one symbol kept once. */
function collapsed(code: string): string {
  return code.replace(/(.)\1+/g, "$1");
}

/** `P4SSW0RD` → `PASSW0RD`, `SUMM3R` → `SUMMER`: the digits people put for letters (0 and 1 fold already). */
function unleet(normalized: string): string {
  return normalized.replace(
    /[34578]/g,
    (d) => ({ 3: "E", 4: "A", 5: "S", 7: "T", 8: "B" })[d] ?? d,
  );
}

function weak(reason: WeakCodeReason, message: string): WeakCode {
  return { reason, message };
}

/** `AAAAAAAA`, `ABABABAB`, `12341234`: a unit of up to 4 symbols, repeated. */
function isRepetition(code: string): boolean {
  if (code.length < 2) return false;
  for (let unit = 1; unit <= 4 && unit * 2 <= code.length; unit++) {
    const part = code.slice(0, unit);
    if (part.repeat(Math.ceil(code.length / unit)).slice(0, code.length) === code) return true;
  }
  return false;
}

/** `12345678`, `ABCDEFGH`, `98765432`: each symbol one after (or one before) the last. */
function isSequence(code: string): boolean {
  if (code.length < 3) return false;
  const steps = new Set<number>();
  for (let i = 1; i < code.length; i++) {
    steps.add(code.charCodeAt(i) - code.charCodeAt(i - 1));
  }
  if (steps.size !== 1) return false;
  const [step] = steps;
  return step === 1 || step === -1;
}

/** The code is the word, or the word with digits around it (`ada` → `ADA2026`, `2026ADA`). */
function matches(code: string, core: string, word: string): boolean {
  if (word.length < 3) return false;
  return code === word || (core.length >= 3 && core === wordKey(word));
}

/**
 * What is left of a normalized word without the digits a guesser puts around it: `WELCOME2026`
 * → `WE1C0ME`. Words are keyed the same way, so folded look-alikes at their ends (`OCTOBER` →
 * `0CT0BER`) strip alike.
 */
function wordKey(normalized: string): string {
  return normalized.replace(/^\d+|\d+$/g, "");
}

function alnum(text: string): string {
  return normalizeCode(text).replace(/[^A-Z0-9]/g, "");
}

/** `ada.lovelace+vip` → `ADA`, `L0VE1ACE`, `VIP` (normalized), words of 3 symbols or more. */
function wordsOf(text: string): string[] {
  return text
    .split(/[^\p{L}\p{N}]+/u)
    .map(alnum)
    .filter((w) => w.length >= 3);
}

/**
 * Words and passwords a guesser tries first (with digits around them, which `stripDigits` takes
 * off), normalized as codes are. Small on purpose: the other checks catch the shapes.
 */
const COMMON = new Set(
  [
    "password",
    "passw0rd",
    "welcome",
    "letmein",
    "qwerty",
    "qwertyuiop",
    "qwe",
    "qwer",
    "qwert",
    "qwertz",
    "qweasd",
    "qweasdzxc",
    "asdf",
    "asdfgh",
    "qazwsx",
    "qazwsxedc",
    "qaz2wsx",
    "zaq12wsx",
    "zaq1xsw2",
    "asdfghjkl",
    "zxcvbnm",
    "azerty",
    "iloveyou",
    "admin",
    "administrator",
    "login",
    "access",
    "accesscode",
    "secret",
    "master",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "sunshine",
    "princess",
    "shadow",
    "superman",
    "batman",
    "trustno",
    "whatever",
    "freedom",
    "starwars",
    "computer",
    "internet",
    "changeme",
    "default",
    "guest",
    "test",
    "testing",
    "hello",
    "helloworld",
    "summer",
    "winter",
    "spring",
    "autumn",
    "january",
    "february",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "friday",
    "event",
    "events",
    "summit",
    "conference",
    "meetup",
    "webinar",
    "workshop",
    "festival",
    "ticket",
    "tickets",
    "attendee",
    "speaker",
    "sponsor",
    "visitor",
    "member",
    "vip",
    "vipaccess",
    "backstage",
    "online",
    "virtual",
    "venue",
    "stream",
    "live",
    "hall",
    "main",
    "user",
    "username",
    "code",
    "pass",
    "passcode",
    "abc",
    "abcd",
    "abcdefgh",
    "abc123",
    "qwerty123",
    "football",
    "michael",
    "jennifer",
    "jordan",
    "charlie",
    "thomas",
    "daniel",
  ]
    .map((w) => wordKey(normalizeCode(w)))
    .filter((w) => w.length >= 3),
);
