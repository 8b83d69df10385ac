import { describe, expect, it } from "vitest";
import { mapHeader, validateRecord, type ColumnMap } from "../../src/domain/import-plan.js";
import { foldText } from "../../src/domain/text-fold.js";

function columns(header: string[]): ColumnMap {
  const result = mapHeader(header);
  if (!result.ok) throw new Error(result.reason);
  return result.columns;
}

describe("CSV headers in the five languages", () => {
  it.each([
    // [language, header, email, first, last, name]
    ["es", ["Nombre", "Apellidos", "Correo electrónico"], 2, 0, 1, undefined],
    ["es", ["nombre", "apellido", "correo"], 2, 0, 1, undefined],
    ["es", ["CORREO", "NOMBRE"], 0, undefined, undefined, 1],
    ["es", ["Dirección de correo", "Nombre completo"], 0, undefined, undefined, 1],
    ["fr", ["Prénom", "Nom", "Courriel"], 2, 0, 1, undefined],
    ["fr", ["prenom", "nom de famille", "Adresse e-mail"], 2, 0, 1, undefined],
    ["fr", ["Nom", "Adresse électronique"], 1, undefined, undefined, 0],
    ["de", ["Vorname", "Nachname", "E-Mail-Adresse"], 2, 0, 1, undefined],
    ["de", ["Vorname", "Name", "E-Mail"], 2, 0, 1, undefined],
    ["de", ["Familienname", "VORNAME", "Mailadresse"], 2, 1, 0, undefined],
    ["pt", ["Nome", "Apelido", "Email"], 2, 0, 1, undefined],
    ["pt", ["nome", "sobrenome", "Endereço de e-mail"], 2, 0, 1, undefined],
    ["pt", ["Primeiro nome", "Último nome", "E-mail"], 2, 0, 1, undefined],
    ["pt", ["Nome completo", "email"], 1, undefined, undefined, 0],
  ])("%s: %j", (_lang, header, email, first, last, name) => {
    expect(columns(header)).toMatchObject({ email, first, last, name, fields: [] });
  });

  it("folds accents and case, and ignores spaces, dashes, dots and apostrophes", () => {
    for (const text of ["PRÉNOM", "Prénom", "prénom ", "Pre\u0301nom"]) {
      expect(columns(["email", text, "nom"]).first).toBe(1);
    }
    expect(columns(["E.Mail", "x"]).email).toBe(0);
    expect(columns(["Adresse d'e-mail"]).email).toBe(0);
    expect(columns(["correo", "ÚLTIMO NOME", "primeiro_nome"])).toMatchObject({
      first: 2,
      last: 1,
    });
  });

  it("keeps the other columns as custom fields, keys without accents", () => {
    expect(columns(["correo", "nombre", "apellidos", "Empresa", "Teléfono"]).fields).toEqual([
      ["empresa", 3],
      ["telefono", 4],
    ]);
  });

  it("splits a Spanish full-name column on its first space", () => {
    const map = columns(["correo", "nombre"]);
    const row = validateRecord(["jose@example.com", "José García López"], map, 2);
    expect(row).toMatchObject({
      ok: true,
      attendee: { firstName: "José", lastName: "García López" },
    });
  });

  it("names a few languages' spellings when there is no email column", () => {
    const result = mapHeader(["Vorname", "Nachname"]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain('"correo", "courriel", "E-Mail-Adresse"');
    expect(result.reason).toContain('the header has: "Vorname", "Nachname"');
  });
});

describe("foldText", () => {
  it.each([
    ["José García", "jose garcia"],
    ["  ÇA VA  ", "ca va"],
    ["Straße", "strasse"],
    ["João Conceição", "joao conceicao"],
    ["Zoë Ñúñez", "zoe nunez"],
  ])("%j → %j", (input, folded) => {
    expect(foldText(input)).toBe(folded);
  });
});
