import { afterEach, describe, expect, it } from "vitest";
import { killServes, postLogin, spawnServe } from "../helpers/server.js";
import { runBin } from "../helpers/spawn.js";
import { benchPerTest, SAMPLE_CSV } from "../helpers/workspace.js";

const bench = benchPerTest();

function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (!condition()) return;
      clearInterval(poll);
      resolve();
    }, 5);
  });
}
afterEach(killServes);

describe("serve while the CLI writes the workspace", () => {
  it("an import of thousands in another process: every login is answered, none with a 5xx", async () => {
    const b = bench();
    b.file("attendees.csv", SAMPLE_CSV);
    expect((await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"])).code).toBe(
      0,
    );
    const key = (await b.run(["venue-key", "create", "venue"])).stdout.trim();
    const code = await b.codeOf("ada@example.com");
    const rows = Array.from({ length: 3000 }, (_, i) => `guest${i}@example.com,Guest,${i}`);
    b.file("many.csv", `email,first_name,last_name\n${rows.join("\n")}\n`);
    const s = await spawnServe(b);
    const statuses: number[] = [];
    let importing = true;
    const still = () => importing;
    const client = async (i: number) => {
      for (let n = 0; still(); n++) {
        // Valid codes and never the same unknown email twice: no lockout in the way.
        const body =
          n % 2 === 0
            ? { email: "ada@example.com", code }
            : { email: `nobody-${i}-${n}@example.com`, code: "WRONGCODE2" };
        statuses.push((await postLogin(s.url, "summit-2026", key, body)).status);
      }
    };
    const clients = Array.from({ length: 4 }, (_, i) => client(i));
    // The import starts once logins are being answered and they go on until it has exited: the
    // two overlap whatever the machine's speed (no count of answers to hope for).
    await until(() => statuses.length >= 8);
    const before = statuses.length;
    const imported = await runBin(["import", "many.csv", "--event", "summit-2026", "--yes"], {
      cwd: b.dir,
      env: b.env,
      timeoutMs: 60_000,
    });
    importing = false;
    await Promise.all(clients);
    expect(imported.code, imported.stderr).toBe(0);
    expect(statuses.length).toBeGreaterThan(before);
    expect((await b.snapshot()).attendees).toHaveLength(3 + 3000);
    expect(statuses.filter((st) => st !== 200 && st !== 401)).toEqual([]);
    expect(s.stderr()).not.toMatch(/ 5\d\d \d/);
  });

  it("two serves on one workspace share the lockout: 30 parallel wrong attempts, at most 5 answered 401", async () => {
    const b = bench();
    b.file("attendees.csv", SAMPLE_CSV);
    expect((await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"])).code).toBe(
      0,
    );
    const key = (await b.run(["venue-key", "create", "venue"])).stdout.trim();
    const [one, two] = await Promise.all([spawnServe(b), spawnServe(b)]);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        postLogin((i % 2 ? one : two).url, "summit-2026", key, {
          email: "ada@example.com",
          code: "WRONGCODE2",
        }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((st) => st === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((st) => st !== 401 && st !== 423)).toEqual([]);
    const rows = (await b.snapshot()).logins as { outcome: string }[];
    expect(rows.filter((r) => r.outcome === "wrong-code").length).toBeLessThanOrEqual(5);
    expect(rows).toHaveLength(30);
  });
});
