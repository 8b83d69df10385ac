import { afterEach, describe, expect, it } from "vitest";
import { groupCode } from "../../src/domain/codes.js";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";
import { benchPerTest, SAMPLE_CSV } from "../helpers/workspace.js";

const bench = benchPerTest();
let smtp: TestSmtp | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

describe("evcred reset-code --send", () => {
  it("refuses before changing anything when no template is linked to reset", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    const before = await b.snapshot();
    const code = await b.codeOf("ada@example.com");
    const r = await b.run(["reset-code", "ada@example.com", "--generate", "--send", "--yes"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("evcred template link reset");
    expect(await b.snapshot()).toEqual(before);
    expect(await b.codeOf("ada@example.com")).toBe(code);
  });

  it("sends the new code with the linked template; the old one stops working", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    await b.run(["event", "update", "--from", "team@example.com"]);
    smtp = await startSmtp();
    b.env.EVCRED_SMTP_URL = smtp.url;
    expect((await b.run(["template", "link", "reset", "code-reset"])).code).toBe(0);
    const old = await b.codeOf("ada@example.com");
    const r = await b.run([
      "reset-code",
      "ada@example.com",
      "--generate",
      "--send",
      "--yes",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ sent: 1, template: "code-reset" });
    const fresh = await b.codeOf("ada@example.com");
    expect(fresh).not.toBe(old);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]?.parsed.text).toContain(groupCode(fresh));
    expect((await b.run(["verify", "ada@example.com", old])).code).toBe(1);
    expect((await b.run(["verify", "ada@example.com", fresh])).code).toBe(0);
    for (const text of b.transcript) {
      expect(text).not.toContain(fresh);
      expect(text).not.toContain(old);
    }
  });

  it("offers to send on a terminal when a template is linked", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    await b.run(["template", "link", "reset", "code-reset"]);
    const r = await b.run(["reset-code", "grace@example.com", "--generate"], {
      tty: true,
      answers: [true, true],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(b.questions.at(-1)).toContain("code-reset");
    const list = await b.run(["attendees", "list", "--status", "sent", "--json"]);
    expect(list.json<{ attendees: { email: string }[] }>().attendees.map((a) => a.email)).toEqual([
      "grace@example.com",
    ]);
  });
});
