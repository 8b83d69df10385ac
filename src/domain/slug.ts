/**
 * An event's slug from its name: `"Tech Summit 2026!"` → `tech-summit-2026`. Cyrillic and Greek
 * are transliterated (`Москва 2026` → `moskva-2026`); letters of other scripts cannot be, so a
 * short hash of the name keeps names that differ only there apart (`東京サミット` →
 * `event-3f1c9a2b`, `大阪サミット` another). Never empty, always a valid slug, the same for the
 * same name.
 */
import { createHash } from "node:crypto";

const MAX_LENGTH = 63;
const HASH_LENGTH = 8;

export function slugify(name: string): string {
  const nfc = name.normalize("NFC").trim();
  // Before and after removing accents: й and ё are letters of their own, ά is α with a mark.
  const latin = transliterate(
    transliterate(nfc.toLowerCase())
      .normalize("NFKD")
      .replace(/\p{M}+/gu, ""),
  );
  const base = latin
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .replace(/-{2,}/g, "-");
  // A letter that did not become a-z would be lost: the hash stands in for it.
  const lost = /[^\p{ASCII}]/u.test(latin.replace(/[^\p{L}\p{N}]/gu, ""));
  if (!lost && base) return trim(base, MAX_LENGTH);
  const hash = createHash("sha256").update(nfc).digest("hex").slice(0, HASH_LENGTH);
  return `${trim(base || "event", MAX_LENGTH - HASH_LENGTH - 1)}-${hash}`;
}

function trim(slug: string, max: number): string {
  return slug.slice(0, max).replace(/-+$/, "") || "event";
}

function transliterate(text: string): string {
  return text.replace(/[\u0370-\u03ff\u0400-\u04ff]/g, (c) => TRANSLIT[c] ?? c);
}

/** Lower-case Cyrillic (Russian, Ukrainian, Belarusian) and Greek, as passports spell them. */
const TRANSLIT: Readonly<Record<string, string>> = {
  а: "a",
  б: "b",
  в: "v",
  г: "g",
  д: "d",
  е: "e",
  ё: "e",
  ж: "zh",
  з: "z",
  и: "i",
  й: "y",
  к: "k",
  л: "l",
  м: "m",
  н: "n",
  о: "o",
  п: "p",
  р: "r",
  с: "s",
  т: "t",
  у: "u",
  ф: "f",
  х: "kh",
  ц: "ts",
  ч: "ch",
  ш: "sh",
  щ: "shch",
  ъ: "",
  ы: "y",
  ь: "",
  э: "e",
  ю: "yu",
  я: "ya",
  і: "i",
  ї: "yi",
  є: "ye",
  ґ: "g",
  ў: "u",
  α: "a",
  β: "v",
  γ: "g",
  δ: "d",
  ε: "e",
  ζ: "z",
  η: "i",
  θ: "th",
  ι: "i",
  κ: "k",
  λ: "l",
  μ: "m",
  ν: "n",
  ξ: "x",
  ο: "o",
  π: "p",
  ρ: "r",
  σ: "s",
  ς: "s",
  τ: "t",
  υ: "y",
  φ: "f",
  χ: "ch",
  ψ: "ps",
  ω: "o",
};
