import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";
import { benchPerTest, SAMPLE_CSV, TEST_DIALECT } from "../helpers/workspace.js";

const bench = benchPerTest();
let smtp: TestSmtp | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

interface Report {
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string; fix?: string }[];
}

describe("evcred doctor", () => {
  it("passes on a fresh workspace with the outbox, and flags a link to a template that is gone", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    const healthy = await b.run(["doctor", "--json"]);
    expect(healthy.code, healthy.stdout).toBe(0);
    expect(healthy.json<Report>().checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        // A SQLite file is one check; a PostgreSQL database its connection and its schema.
        ...(TEST_DIALECT === "postgres" ? ["database", "schema"] : ["workspace"]),
        "master key",
        "events",
        "template credentials",
        "mail transport",
      ]),
    );

    await b.run(["template", "new", "mine", "--from", "credentials"]);
    expect((await b.run(["template", "link", "resend", "mine"])).code).toBe(0);
    rmSync(b.path("templates"), { recursive: true });
    const broken = await b.run(["doctor", "--json"]);
    expect(broken.code).toBe(1);
    const link = broken.json<Report>().checks.find((c) => c.name === "link ev/resend");
    expect(link).toMatchObject({
      ok: false,
      fix: "evcred template link resend credentials --event ev",
    });
  });

  it("flags an event without a sender when mail goes through SMTP (the outbox does without one)", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    await b.run([
      "event",
      "create",
      "Other",
      "--slug",
      "other",
      "--from",
      "Team <team@other.example>",
    ]);
    const outbox = (await b.run(["doctor", "--json"])).json<Report>();
    expect(outbox.ok).toBe(true);
    expect(outbox.checks.find((c) => c.name === "sender ev")).toMatchObject({
      ok: true,
      detail: expect.stringContaining("SMTP will need one") as unknown,
    });

    smtp = await startSmtp();
    b.env.EVCRED_SMTP_URL = smtp.url;
    const r = await b.run(["doctor", "--json"]);
    expect(r.code).toBe(1);
    const checks = r.json<Report>().checks;
    expect(checks.find((c) => c.name === "sender ev")).toEqual({
      name: "sender ev",
      ok: false,
      detail: "event ev has no sender address",
      fix: 'evcred event update ev --from "Team <team@example.com>"',
    });
    expect(checks.find((c) => c.name === "sender other")).toEqual({
      name: "sender other",
      ok: true,
      detail: "Team <team@other.example>",
    });
    expect(checks.find((c) => c.name === "mail transport")?.ok).toBe(true);
  });
});
