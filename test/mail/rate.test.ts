import { describe, expect, it } from "vitest";
import { createPacer, parseRate } from "../../src/mail/rate.js";

describe("parseRate", () => {
  it.each([
    ["10", { messages: 10, perMs: 1_000 }],
    ["10/s", { messages: 10, perMs: 1_000 }],
    ["2.5/s", { messages: 2.5, perMs: 1_000 }],
    ["600/min", { messages: 600, perMs: 60_000 }],
    ["5000/h", { messages: 5_000, perMs: 3_600_000 }],
    [" 30/MIN ", { messages: 30, perMs: 60_000 }],
  ])("reads %j", (text, rate) => {
    expect(parseRate(text)).toEqual({ ok: true, rate });
  });

  it.each([
    ["fast", "expected messages per second, minute or hour"],
    ["10/m", "expected messages per second, minute or hour"],
    ["10/day", "expected messages per second, minute or hour"],
    ["-1/s", "expected messages per second, minute or hour"],
    ["0/min", "must be above 0"],
    ["20000", "must be at most 10000 a second"],
    ["700000/min", "must be at most 10000 a second"],
  ])("refuses %j", (text, reason) => {
    const result = parseRate(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});

describe("createPacer", () => {
  it("waits in real time: three messages at 20/s take at least 100 ms", async () => {
    const pace = createPacer({ messages: 20, perMs: 1_000 });
    const started = Date.now();
    for (let i = 0; i < 3; i++) await pace();
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });

  it("does not wait when calls come slower than the rate", async () => {
    let now = 0;
    const pace = createPacer({ messages: 1, perMs: 1_000 }, () => now);
    await pace();
    now = 5_000;
    const started = Date.now();
    await pace();
    expect(Date.now() - started).toBeLessThan(50);
  });

  it("rejects a wait when the signal aborts, and at once when it has", async () => {
    const pace = createPacer({ messages: 1, perMs: 3_600_000 });
    const stop = new AbortController();
    await pace(stop.signal);
    const started = Date.now();
    const waiting = pace(stop.signal);
    setTimeout(() => {
      stop.abort();
    }, 50);
    await expect(waiting).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(pace(stop.signal)).rejects.toThrow();
  });
});
