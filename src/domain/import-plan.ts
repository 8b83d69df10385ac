/**
 * The pure half of an import: which column is what, whether a record is an attendee, and what
 * applying a batch would do to the attendees already there. No I/O here; `import.ts` applies it.
 */
import { EXPORT_STATUS_COLUMNS } from "./attendee-export.js";
import { restoreCell } from "./csv-export.js";
import { isValidEmail, normalizeEmail } from "./email.js";
import { foldText } from "./text-fold.js";

export const MAX_FIELD_LENGTH = 2_000;

/**
 * Header texts are compared without case, accents, spaces, dashes, dots, underscores or
 * apostrophes, in the five languages events are held in (en, es, fr, de, pt).
 */
const EMAIL_HEADERS = [
  ...["email", "emailaddress", "mail", "emailid", "mailaddress"],
  ...["correo", "correoelectronico", "direcciondecorreo", "direcciondecorreoelectronico"],
  ...[
    "courriel",
    "adresseemail",
    "adressemail",
    "adressedemail",
    "adressecourriel",
    "adresseelectronique",
  ],
  ...["emailadresse", "mailadresse"],
  ...["enderecodeemail", "enderecoemail", "enderecoeletronico", "enderecodecorreioeletronico"],
];
const FIRST_HEADERS = [
  ...["firstname", "givenname", "first", "forename"],
  ...["nombredepila", "prenom", "vorname", "primeironome"],
];
const LAST_HEADERS = [
  ...["lastname", "surname", "familyname", "last"],
  ...["apellido", "apellidos", "nomdefamille", "nachname", "familienname", "zuname"],
  ...["sobrenome", "apelido", "apelidos", "ultimonome"],
];
/** First names beside a last-name column (`nombre` / `apellidos`), else the whole name. */
const GIVEN_WHEN_PAIRED = ["nombre", "nombres", "nome"];
/** Last names beside a first-name column (`prénom` / `nom`, `Vorname` / `Name`), else the whole name. */
const FAMILY_WHEN_PAIRED = ["nom", "name"];
const NAME_HEADERS = [
  ...["name", "fullname", "attendee", "attendeename"],
  ...["nombrecompleto", "nomcomplet", "vollername", "nomecompleto", "teilnehmer", "participant"],
];

export interface ColumnMap {
  email: number;
  first: number | undefined;
  last: number | undefined;
  /** A single name column, split on its first space when there are no first/last columns. */
  name: number | undefined;
  /** Custom fields: template key → column index. */
  fields: [key: string, index: number][];
}

export type HeaderResult = { ok: true; columns: ColumnMap } | { ok: false; reason: string };

export function mapHeader(header: readonly string[]): HeaderResult {
  const keys = header.map(headerKey);
  const find = (names: readonly string[]) => {
    const i = keys.findIndex((k) => names.includes(k));
    return i === -1 ? undefined : i;
  };
  const email = find(EMAIL_HEADERS);
  if (email === undefined) {
    return {
      ok: false,
      reason: `no email column (looked for "email", "e-mail", "Email Address", "mail", "correo", "courriel", "E-Mail-Adresse"…); the header has: ${shownHeader(header)}`,
    };
  }
  let first = find(FIRST_HEADERS);
  let last = find(LAST_HEADERS);
  if (first === undefined && last !== undefined) first = find(GIVEN_WHEN_PAIRED);
  if (last === undefined && first !== undefined) last = find(FAMILY_WHEN_PAIRED);
  const name =
    first === undefined && last === undefined
      ? find([...NAME_HEADERS, ...GIVEN_WHEN_PAIRED, ...FAMILY_WHEN_PAIRED])
      : undefined;
  const used = new Set([email, first, last, name]);
  // An `attendees export` read back in (it has every status column): those say where an
  // attendee stood then, not who they are, so they are not kept as fields; `field_NAME` is the
  // export's name for a field called like one of its columns.
  const fieldKeys = header.map(fieldKey);
  const exported = EXPORT_STATUS_COLUMNS.every((c) => fieldKeys.includes(c));
  if (exported) {
    for (const [index, key] of fieldKeys.entries()) if (STATUS_KEYS.has(key)) used.add(index);
  }
  const fields: [string, number][] = [];
  const taken = new Set<string>();
  // The next suffix to try per name: 40,000 columns all called `x` stay linear, where counting
  // up from 2 for each of them took minutes.
  const nextSuffix = new Map<string, number>();
  header.forEach((text, index) => {
    if (used.has(index)) return;
    const own = fieldKey(text);
    const base = exported && own.startsWith("field_") ? own.slice("field_".length) : own;
    let key = base || `column_${index + 1}`;
    if (taken.has(key)) {
      const stem = base || "column";
      let n = nextSuffix.get(stem) ?? 2;
      while (taken.has(`${stem}_${n}`)) n++;
      key = `${stem}_${n}`;
      nextSuffix.set(stem, n + 1);
    }
    taken.add(key);
    fields.push([key, index]);
  });
  return { ok: true, columns: { email, first, last, name, fields } };
}

/** The header as an error may quote it: a 10 MB first line must not become a 10 MB message. */
function shownHeader(header: readonly string[]): string {
  const cells = header.slice(0, 12).map((h) => {
    const text = h.trim();
    return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  });
  if (header.length > 12) cells.push(`… (${header.length} columns)`);
  return cells.join(", ");
}

const STATUS_KEYS: ReadonlySet<string> = new Set(EXPORT_STATUS_COLUMNS);

function headerKey(text: string): string {
  return foldText(text).replace(/[\s_\-.'’]/g, "");
}

/** `"Company Name"` → `company_name`: usable as `it.fields.company_name` in a template. */
export function fieldKey(text: string): string {
  return text
    .trim()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

export interface AttendeeInput {
  line: number;
  email: string;
  firstName: string;
  lastName: string;
  fields: Record<string, string>;
}

export type RecordResult = { ok: true; attendee: AttendeeInput } | { ok: false; reason: string };

export function validateRecord(
  fields: readonly string[],
  columns: ColumnMap,
  line: number,
): RecordResult {
  for (const [i, value] of fields.entries()) {
    if (value.length > MAX_FIELD_LENGTH) {
      return {
        ok: false,
        reason: `column ${i + 1} has ${value.length} characters (at most ${MAX_FIELD_LENGTH})`,
      };
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) {
      return { ok: false, reason: `column ${i + 1} holds a control character` };
    }
  }
  // A cell evcred wrote formula-safe (`'=…`) reads back as it was.
  const at = (i: number | undefined) =>
    i === undefined ? "" : restoreCell((fields[i] ?? "").trim());
  const rawEmail = at(columns.email);
  if (!rawEmail) return { ok: false, reason: "no email" };
  const email = normalizeEmail(rawEmail);
  if (!isValidEmail(email)) return { ok: false, reason: `invalid email "${rawEmail}"` };
  // Names go into headers and greetings: any run of white space (a newline too) is one space.
  let firstName = oneLine(at(columns.first));
  let lastName = oneLine(at(columns.last));
  if (columns.name !== undefined) {
    const full = at(columns.name).replace(/\s+/g, " ");
    const space = full.indexOf(" ");
    firstName = space === -1 ? full : full.slice(0, space);
    lastName = space === -1 ? "" : full.slice(space + 1);
  }
  const custom: Record<string, string> = {};
  for (const [key, index] of columns.fields) custom[key] = at(index);
  return { ok: true, attendee: { line, email, firstName, lastName, fields: custom } };
}

export interface ExistingAttendee {
  id: number;
  firstName: string;
  lastName: string;
  fields: string;
}

export interface ImportPlan {
  insert: AttendeeInput[];
  /** `fields` here are the merged custom fields: a column missing from the file keeps its value. */
  update: { id: number; attendee: AttendeeInput }[];
  unchanged: number;
}

/**
 * Known attendees are updated (names, custom fields merged over the old ones) and keep their
 * code; new ones are inserted.
 */
export function planImport(
  batch: readonly AttendeeInput[],
  existing: ReadonlyMap<string, ExistingAttendee>,
): ImportPlan {
  const plan: ImportPlan = { insert: [], update: [], unchanged: 0 };
  for (const attendee of batch) {
    const known = existing.get(attendee.email);
    if (!known) {
      plan.insert.push(attendee);
      continue;
    }
    const fields = { ...(JSON.parse(known.fields) as Record<string, string>), ...attendee.fields };
    if (
      known.firstName === attendee.firstName &&
      known.lastName === attendee.lastName &&
      known.fields === JSON.stringify(fields)
    ) {
      plan.unchanged++;
    } else plan.update.push({ id: known.id, attendee: { ...attendee, fields } });
  }
  return plan;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ");
}
