import { describe, expect, it } from "vitest";
import { findEvent } from "../../src/domain/events.js";
import { dueForTemplate, type DueOptions } from "../../src/domain/recipients.js";
import { deliver } from "../helpers/history.js";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();

async function imported(b: TestBench): Promise<void> {
  b.file("attendees.csv", SAMPLE_CSV);
  const r = await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"]);
  expect(r.code, r.stderr).toBe(0);
}

async function due(b: TestBench, template: string, options: DueOptions): Promise<string[]> {
  const ws = await b.open();
  try {
    const event = await findEvent(ws, "summit-2026");
    if (!event) throw new Error("no event");
    return (await dueForTemplate(ws, event, template, options)).map((a) => a.email);
  } finally {
    void ws.close();
  }
}

async function listed(b: TestBench, status: string): Promise<string[]> {
  const r = await b.run(["attendees", "list", "--status", status, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return r.json<{ attendees: { email: string }[] }>().attendees.map((a) => a.email);
}

describe("dueForTemplate: no successful delivery of the template since the code last changed", () => {
  it("picks up a reset attendee again, and nobody else", async () => {
    const b = bench();
    await imported(b);
    expect(await due(b, "credentials", { audience: "unsent" })).toEqual([
      "ada@example.com",
      "grace@example.com",
      "alan@example.com",
    ]);
    await deliver(
      b,
      { email: "ada@example.com", template: "credentials", status: "sent" },
      { email: "grace@example.com", template: "credentials", status: "sent" },
      { email: "alan@example.com", template: "credentials", status: "failed" },
      { email: "alan@example.com", template: "reminder", status: "sent" },
    );
    expect(await due(b, "credentials", { audience: "unsent" })).toEqual(["alan@example.com"]);
    expect(await due(b, "reminder", { audience: "unsent" })).toEqual([
      "ada@example.com",
      "grace@example.com",
    ]);
    expect(await listed(b, "sent")).toEqual([
      "ada@example.com",
      "grace@example.com",
      "alan@example.com",
    ]);

    const reset = await b.run(["reset-code", "grace@example.com", "--generate", "--yes"]);
    expect(reset.code, reset.stderr).toBe(0);
    expect(await due(b, "credentials", { audience: "unsent" })).toEqual([
      "grace@example.com",
      "alan@example.com",
    ]);
    expect(await due(b, "reminder", { audience: "unsent" })).toEqual([
      "ada@example.com",
      "grace@example.com",
    ]);
    expect(await listed(b, "unsent")).toEqual(["grace@example.com"]);
    expect(await listed(b, "sent")).toEqual(["ada@example.com", "alan@example.com"]);

    // Sending the new code settles it; a delivery of the old code never does.
    await deliver(b, {
      email: "grace@example.com",
      template: "credentials",
      status: "sent",
      version: 1,
    });
    expect(await due(b, "credentials", { audience: "unsent" })).toEqual([
      "grace@example.com",
      "alan@example.com",
    ]);
    await deliver(b, { email: "grace@example.com", template: "credentials", status: "sent" });
    expect(await due(b, "credentials", { audience: "unsent" })).toEqual(["alan@example.com"]);
  });

  it("counts neither failed nor pending deliveries as done", async () => {
    const b = bench();
    await imported(b);
    await deliver(
      b,
      { email: "ada@example.com", template: "credentials", status: "failed" },
      { email: "grace@example.com", template: "credentials", status: "pending" },
    );
    expect(await due(b, "credentials", { audience: "unsent" })).toHaveLength(3);
    expect(await listed(b, "failed")).toEqual(["ada@example.com"]);
    expect(await listed(b, "unsent")).toHaveLength(3);
  });

  it("with audience all it is everyone by id, and limit cuts the lowest ids first", async () => {
    const b = bench();
    await imported(b);
    await deliver(b, { email: "ada@example.com", template: "credentials", status: "sent" });
    expect(await due(b, "credentials", { audience: "all" })).toEqual([
      "ada@example.com",
      "grace@example.com",
      "alan@example.com",
    ]);
    expect(await due(b, "credentials", { audience: "all", limit: 2 })).toEqual([
      "ada@example.com",
      "grace@example.com",
    ]);
    expect(await due(b, "credentials", { audience: "unsent", limit: 1 })).toEqual([
      "grace@example.com",
    ]);
  });

  it("a failed delivery of an earlier code does not mark the attendee failed after a reset", async () => {
    const b = bench();
    await imported(b);
    await deliver(b, { email: "ada@example.com", template: "credentials", status: "failed" });
    expect(await listed(b, "failed")).toEqual(["ada@example.com"]);
    const reset = await b.run(["reset-code", "ada@example.com", "--generate", "--yes"]);
    expect(reset.code, reset.stderr).toBe(0);
    expect(await listed(b, "failed")).toEqual([]);
  });
});
