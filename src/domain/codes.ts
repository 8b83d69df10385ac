/**
 * Access codes: random, from an alphabet without look-alikes, shown in groups of four (a chosen
 * one as it was typed), and read back however the attendee typed them, look-alikes folded.
 */
import { randomBytes } from "node:crypto";

/** No 0 O 1 I L (look-alikes) and no U (V/U confusion): 30 symbols, ~4.9 bits each. */
export const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ";
export const DEFAULT_CODE_LENGTH = 10;
export const MIN_CODE_LENGTH = 8;
export const MAX_CODE_LENGTH = 32;
/** Ignored in typed codes: white space and the dashes a keyboard or a phone may produce. */
const SEPARATORS = /[\s\-‐-―]+/;

/** Uniform over the alphabet: bytes at or above the largest multiple of 30 are drawn again. */
export function generateCode(length: number = DEFAULT_CODE_LENGTH): string {
  if (!Number.isInteger(length) || length < MIN_CODE_LENGTH || length > MAX_CODE_LENGTH) {
    throw new RangeError(
      `code length must be ${MIN_CODE_LENGTH}-${MAX_CODE_LENGTH}, got ${length}`,
    );
  }
  const limit = 256 - (256 % CODE_ALPHABET.length);
  let code = "";
  while (code.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && code.length < length)
        code += CODE_ALPHABET.charAt(byte % CODE_ALPHABET.length);
    }
  }
  return code;
}

/** `K7QM4XHP2W` → `K7QM-4XHP-2W`. */
export function groupCode(code: string): string {
  return (code.match(/.{1,4}/g) ?? []).join("-");
}

/**
 * What the attendee typed → what is hashed and fingerprinted: upper case, no spaces or dashes,
 * and the look-alikes folded (`O` → `0`, `I` and `L` → `1`), so `gracE2O26HALL` is
 * `GRACE2026HALL`. Generated codes hold none of them, so folding never changes one.
 */
export function normalizeCode(input: string): string {
  return input.split(SEPARATORS).join("").toUpperCase().replace(/O/g, "0").replace(/[IL]/g, "1");
}

/** A chosen code as it is sealed and shown: upper case, grouped where it was typed (`GRACE-2026-HALL`). */
export function displayCode(input: string): string {
  return input.toUpperCase().split(SEPARATORS).filter(Boolean).join("-");
}

/** A sealed code as the email shows it: a generated one in groups of four, a chosen one as typed. */
export function shownCode(sealed: string, source: string): string {
  return source === "generated" ? groupCode(sealed) : sealed;
}

/** A code shape for previews and dry runs: the grouping of a real code, none of its symbols. */
export function maskedCode(length: number = DEFAULT_CODE_LENGTH): string {
  return groupCode("•".repeat(length));
}
