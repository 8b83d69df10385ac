import { describe, expect, it } from "vitest";
import { benchPerTest, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();

async function emails(b: TestBench, search: string): Promise<string[]> {
  const r = await b.run(["attendees", "list", "--search", search, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return r.json<{ attendees: { email: string }[] }>().attendees.map((a) => a.email);
}

describe("evcred attendees list --search folds case and accents", () => {
  it("finds José García by garcia, GARCÍA or jose", async () => {
    const b = bench();
    b.file(
      "asistentes.csv",
      [
        "Correo electrónico;Nombre;Apellidos",
        "jose@example.com;José;García",
        "zoe@example.com;Zoë;Muñoz",
        "jurgen@example.com;Jürgen;Straße",
        "pct@example.com;Fifty;100%",
        "",
      ].join("\n"),
    );
    const imported = await b.run(["import", "asistentes.csv", "--event", "cumbre", "--yes"]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(await emails(b, "garcia")).toEqual(["jose@example.com"]);
    expect(await emails(b, "GARCÍA")).toEqual(["jose@example.com"]);
    expect(await emails(b, "jose garcia")).toEqual(["jose@example.com"]);
    expect(await emails(b, "Jose")).toEqual(["jose@example.com"]);
    expect(await emails(b, "munoz")).toEqual(["zoe@example.com"]);
    expect(await emails(b, "zoe mu")).toEqual(["zoe@example.com"]);
    expect(await emails(b, "strasse")).toEqual(["jurgen@example.com"]);
    expect(await emails(b, "Jürgen")).toEqual(["jurgen@example.com"]);
    // LIKE's own characters are literal.
    expect(await emails(b, "100%")).toEqual(["pct@example.com"]);
    expect(await emails(b, "_")).toEqual([]);
    const shown = await b.run(["attendees", "show", "jose@example.com"]);
    expect(shown.stdout).toContain("name         José García");
  });
});
