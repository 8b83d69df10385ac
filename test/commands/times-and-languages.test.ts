import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { groupCode } from "../../src/domain/codes.js";
import { scriptedHistory } from "../helpers/history.js";
import { benchPerTest, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();

async function ok(b: TestBench, ...argv: string[]) {
  const r = await b.run(argv);
  expect(r.code, r.stderr).toBe(0);
  return r;
}

describe("times shown to people are in the event's zone", () => {
  it("stats, log and attendees show use Europe/Madrid; --json keeps ISO UTC", async () => {
    const b = bench();
    await scriptedHistory(b);
    await ok(b, "event", "update", "--timezone", "Europe/Madrid");

    const stats = await ok(b, "stats");
    expect(stats.stdout).toContain("last login   4 May 2026, 11:12 (Europe/Madrid)");
    expect((await ok(b, "stats", "--json")).json().lastLogin).toBe("2026-05-04T09:12:00.000Z");

    const log = await ok(b, "log");
    expect(log.stdout).toMatch(/^TIME \(Europe\/Madrid\) +ACTOR/);
    expect(log.stdout).toMatch(/^2026-05-04 11:30:00 +tester +attendee\.remove/m);
    const json = await ok(b, "log", "--json");
    const entries = json.json<{ entries: { at: string; action: string }[] }>().entries;
    expect(entries.find((e) => e.action === "attendee.remove")?.at).toBe(
      "2026-05-04T09:30:00.000Z",
    );
    // --since without an offset is read in the zone the log is shown in.
    const since = await ok(b, "log", "--since", "2026-05-04T11:20", "--json");
    expect(since.json<{ since: string }>().since).toBe("2026-05-04T09:20:00.000Z");

    // A wall-clock time Madrid skips is no time at all: refused, not ignored.
    const skipped = await b.run(["log", "--since", "2026-03-29T02:30"]);
    expect(skipped.code).toBe(2);
    expect(skipped.stderr).toContain(
      "error: --since: 2026-03-29T02:30 does not exist in Europe/Madrid: the clocks skip it",
    );

    const show = await ok(b, "attendees", "show", "grace@example.com");
    expect(show.stdout).toContain("last changed 4 May 2026, 11:20 (Europe/Madrid)");
    expect(show.stdout).toContain("logins (times in Europe/Madrid)");
    expect(show.stdout).toContain("  2026-05-04 11:12:00  ok");
    expect(show.stdout).not.toMatch(/\d\.\d{3}Z|T\d\d:\d\d/);
  });

  it("names the zone of each row when the log spans events in different zones", async () => {
    const b = bench();
    await scriptedHistory(b);
    await ok(b, "event", "update", "summit-2026", "--timezone", "Europe/Madrid");
    await ok(b, "event", "update", "other-2026", "--timezone", "America/New_York");
    const log = await ok(b, "log", "--all-events");
    expect(log.stdout).toMatch(/^TIME +ACTOR/);
    expect(log.stdout).toMatch(/2026-05-04 05:40:00 America\/New_York +tester +import/);
    expect(log.stdout).toMatch(/2026-05-04 11:30:00 Europe\/Madrid +tester +attendee\.remove/);
  });
});

describe("a Spanish event", () => {
  async function spanish(b: TestBench) {
    b.file("asistentes.csv", "correo,nombre,apellidos\njose@example.com,José,García\n");
    await ok(b, "import", "asistentes.csv", "--event", "cumbre", "--yes");
    await ok(
      b,
      ...["event", "update", "--locale", "es", "--timezone", "Europe/Madrid"],
      ...["--starts-at", "2026-05-04T09:00", "--from", "Cumbre <hola@cumbre.example>"],
    );
  }

  it("gets its credentials in Spanish, the start in Spanish and in Madrid time", async () => {
    const b = bench();
    await spanish(b);
    await ok(b, "send", "--template", "credentials", "--yes");
    const [file] = readdirSync(b.path("outbox"));
    const mail = await simpleParser(readFileSync(join(b.path("outbox"), file ?? "")));
    expect(mail.subject).toBe("Tu código de acceso para Cumbre");
    for (const body of [mail.text ?? "", typeof mail.html === "string" ? mail.html : ""]) {
      expect(body).toContain("Hola José");
      expect(body).toContain("jose@example.com");
      expect(body).toContain(groupCode(await b.codeOf("jose@example.com", "cumbre")));
      expect(body).toContain("4 de mayo de 2026, 09:00 (Europe/Madrid)");
    }
  });

  it("previews and checks the Spanish built-in; template new copies it", async () => {
    const b = bench();
    await spanish(b);
    const preview = await ok(b, "preview", "reminder", "--json");
    expect(JSON.stringify(preview.json())).toContain("Recordatorio: Cumbre empieza el 4 de mayo");
    const check = await ok(b, "template", "check", "code-reset", "--json");
    expect(check.json<{ files: string[] }>().files[0]).toMatch(/templates\/es\/code-reset\.eta$/);

    const copied = await ok(b, "template", "new", "bienvenida", "--from", "credentials", "--json");
    expect(copied.json()).toMatchObject({ from: "credentials", locale: "es" });
    expect(b.read("templates/bienvenida.eta")).toContain("Tu código de acceso");
    await ok(b, "template", "new", "welcome", "--from", "credentials", "--locale", "de");
    expect(b.read("templates/welcome.eta")).toContain("Ihr Zugangscode");
    await ok(b, "template", "check", "welcome");
  });

  it("refuses an unknown --locale for template new (exit 2, nothing written)", async () => {
    const b = bench();
    await spanish(b);
    const before = await b.snapshot();
    const r = await b.run(["template", "new", "x", "--locale", "it"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: --locale: expected one of en, es, fr, de, pt");
    expect(await b.snapshot()).toEqual(before);
  });
});
