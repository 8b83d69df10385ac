/**
 * Text compared the way people mean it: without case or accents, so `garcia` finds `García`
 * and `Prénom` is a `prenom` header.
 */

/** Lower case without accents: `José García` → `jose garcia`, `Straße` → `strasse`. */
export function foldText(text: string): string {
  return text
    .trim()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/ß/g, "ss");
}
