/** Emails as identities: trimmed, lower-cased, and plausible enough to deliver to. */

export function normalizeEmail(input: string): string {
  return input.trim().toLowerCase();
}

// One @, a dotted domain, no spaces or angle brackets: strict enough to catch typos and header
// tricks, loose enough for real addresses (plus tags, subdomains, IDNs in Unicode).
const EMAIL = /^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+\.[^\s@<>(),;:"\\[\].]{2,}$/u;

export function isValidEmail(normalized: string): boolean {
  return (
    normalized.length <= 254 &&
    EMAIL.test(normalized) &&
    !normalized.includes("..") &&
    // No control or format character (U+202E would make it read as another address).
    !/\p{C}/u.test(normalized)
  );
}
