import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { benchPerTest, SAMPLE_CSV } from "../helpers/workspace.js";

const bench = benchPerTest();

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
        "workspace",
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
});
