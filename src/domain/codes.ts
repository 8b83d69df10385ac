/**
 * Access codes: random, from an alphabet without look-alikes, shown in groups of four, and read
 * back however the attendee typed them.
 */
import { randomBytes } from "node:crypto";

/** No 0 O 1 I L (look-alikes) and no U (V/U confusion): 30 symbols, ~4.9 bits each. */
export const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ";
export const DEFAULT_CODE_LENGTH = 10;
export const MIN_CODE_LENGTH = 8;
export const MAX_CODE_LENGTH = 32;

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

/** What the attendee typed → what was hashed: upper case, no spaces or dashes. */
export function normalizeCode(input: string): string {
  return input.replace(/[\s\-‐-―]/g, "").toUpperCase();
}

/** A code shape for previews and dry runs: the grouping of a real code, none of its symbols. */
export function maskedCode(length: number = DEFAULT_CODE_LENGTH): string {
  return groupCode("•".repeat(length));
}

/** Why an organizer-chosen code is not acceptable, or undefined when it is. */
export function organizerCodeProblem(normalized: string): string | undefined {
  if (normalized.length < MIN_CODE_LENGTH || normalized.length > MAX_CODE_LENGTH) {
    return `a code must have ${MIN_CODE_LENGTH} to ${MAX_CODE_LENGTH} letters and digits (it has ${normalized.length})`;
  }
  if (!/^[A-Z0-9]+$/.test(normalized)) return "a code may hold only letters A-Z and digits";
  return undefined;
}
