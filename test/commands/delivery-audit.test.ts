import { afterEach, describe, expect, it } from "vitest";
import type { AuditPage } from "../../src/domain/audit-query.js";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();
let smtp: TestSmtp | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

async function ready(b: TestBench): Promise<void> {
  b.file("a.csv", SAMPLE_CSV);
  await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
  await b.run(["event", "update", "--from", "team@example.com"]);
  smtp = await startSmtp();
  b.env.EVCRED_SMTP_URL = smtp.url;
}

async function actionsFor(b: TestBench, email: string): Promise<string[]> {
  const r = await b.run(["log", "--attendee", email, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return r.json<AuditPage>().entries.map((e) => `${e.action} ${e.email ?? ""}`);
}

describe("the audit entry of a delivery to one attendee names them", () => {
  it("resend: `log --attendee` finds it", async () => {
    const b = bench();
    await ready(b);
    await b.run(["template", "link", "resend", "credentials"]);
    const r = await b.run(["resend", "Grace@Example.com"]);
    expect(r.code, r.stderr).toBe(0);
    expect(await actionsFor(b, "grace@example.com")).toEqual(["resend grace@example.com"]);
    expect(await actionsFor(b, "ada@example.com")).toEqual([]);
  });

  it("reset-code --send: the reset and the send both show under the attendee", async () => {
    const b = bench();
    await ready(b);
    await b.run(["template", "link", "reset", "code-reset"]);
    const r = await b.run(["reset-code", "ada@example.com", "--generate", "--send", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect(await actionsFor(b, "ada@example.com")).toEqual([
      "send ada@example.com",
      "code.reset ada@example.com",
    ]);
  });

  it("a send to many names nobody", async () => {
    const b = bench();
    await ready(b);
    expect((await b.run(["send", "--template", "credentials", "--yes"])).code).toBe(0);
    const log = await b.run(["log", "--json"]);
    const send = log.json<AuditPage>().entries.find((e) => e.action === "send");
    expect(send?.email).toBeNull();
  });
});
