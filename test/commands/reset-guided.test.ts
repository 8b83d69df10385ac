import { describe, expect, it } from "vitest";
import type { AuditPage } from "../../src/domain/audit-query.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();

async function imported(b: TestBench): Promise<void> {
  b.file("a.csv", SAMPLE_CSV);
  expect((await b.run(["import", "a.csv", "--event", "ev", "--yes"])).code).toBe(0);
}

async function sentTo(b: TestBench): Promise<string[]> {
  const list = await b.run(["attendees", "list", "--status", "sent", "--json"]);
  return list.json<{ attendees: { email: string }[] }>().attendees.map((a) => a.email);
}

describe("guided reset-code offers to send without a reset link", () => {
  it("with only resend linked: offers that template, fully guided, and sends", async () => {
    const b = bench();
    await imported(b);
    await b.run(["template", "link", "resend", "credentials"]);
    // search "grace" → generate → confirm the reset → send now
    const r = await b.run(["reset-code"], {
      tty: true,
      answers: ["grace", "generate", true, true],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(b.questions.at(-1)).toBe(
      "Send the new code now with template credentials (linked to resend; nothing is linked to reset)?",
    );
    expect(await sentTo(b)).toEqual(["grace@example.com"]);
  });

  it("with nothing linked: offers to link code-reset to reset, and sends with it", async () => {
    const b = bench();
    await imported(b);
    const r = await b.run(["reset-code", "ada@example.com", "--generate"], {
      tty: true,
      answers: [true, "code-reset"],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(b.questions.at(-1)).toContain("No template is linked to reset or resend in ev");
    expect(r.stderr).toContain("linked code-reset to reset for ev");
    expect(await sentTo(b)).toEqual(["ada@example.com"]);
    const list = await b.run(["template", "list", "--json"]);
    const templates = list.json<{ templates: { name: string; linked: string[] }[] }>().templates;
    expect(templates.find((t) => t.name === "code-reset")?.linked).toEqual(["reset"]);
    const log = (await b.run(["log", "--json"])).json<AuditPage>();
    expect(log.entries.map((e) => e.action)).toContain("template.link");
  });

  it("with nothing linked, `not now`: the reset stands, nothing sent or linked", async () => {
    const b = bench();
    await imported(b);
    const r = await b.run(["reset-code", "ada@example.com", "--generate"], {
      tty: true,
      answers: [true, ""],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("ada@example.com has a new code");
    expect(await sentTo(b)).toEqual([]);
    const log = (await b.run(["log", "--json"])).json<AuditPage>();
    expect(log.entries.map((e) => e.action)).not.toContain("template.link");
  });

  it("asks nothing about sending with --yes or off a terminal", async () => {
    const b = bench();
    await imported(b);
    const r = await b.run(["reset-code", "ada@example.com", "--generate", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect(b.questions).toEqual([]);
    expect(await sentTo(b)).toEqual([]);
  });
});
