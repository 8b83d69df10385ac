import { afterEach, describe, expect, it } from "vitest";
import { killServes, postLogin, spawnServe } from "../helpers/server.js";
import { benchPerTest, SAMPLE_CSV } from "../helpers/workspace.js";

const bench = benchPerTest();
afterEach(killServes);

describe("serve killed mid-burst", () => {
  it("every login it answered 200 is in the logins table", async () => {
    const b = bench();
    b.file("attendees.csv", SAMPLE_CSV);
    expect((await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"])).code).toBe(
      0,
    );
    const key = (await b.run(["venue-key", "create", "venue"])).stdout.trim();
    const emails = ["ada@example.com", "grace@example.com", "alan@example.com"];
    const people = await Promise.all(
      emails.map(async (email) => ({ email, code: await b.codeOf(email) })),
    );
    const s = await spawnServe(b);
    let answered = 0;
    const state = { stop: false };
    const stopped = () => state.stop;
    const client = async (i: number) => {
      for (let n = 0; !stopped(); n++) {
        const who = people[(i + n) % people.length] ?? { email: "", code: "" };
        try {
          const r = await postLogin(s.url, "summit-2026", key, who);
          if (r.status === 200) answered++;
          else throw new Error(`status ${r.status}`);
        } catch (error) {
          if (!stopped()) throw error;
        }
      }
    };
    const clients = Array.from({ length: 8 }, (_, i) => client(i));
    await new Promise((r) => setTimeout(r, 1500));
    state.stop = true;
    s.child.kill("SIGKILL");
    expect(await s.exited).toBeNull();
    await Promise.all(clients);
    expect(answered).toBeGreaterThan(10);
    const rows = (await b.snapshot()).logins as { outcome: string; source: string }[];
    const ok = rows.filter((r) => r.outcome === "ok").length;
    expect(ok).toBeGreaterThanOrEqual(answered);
    // And the workspace opens and answers afterwards.
    expect((await b.run(["verify", people[0]?.email ?? "", people[0]?.code ?? ""])).code).toBe(0);
  });
});
