import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { benchPerTest, SAMPLE_CSV } from "../helpers/workspace.js";

const bench = benchPerTest();

describe("files a flag asks evcred to write", () => {
  it("--rejects refuses the very file being imported, and changes nothing", async () => {
    const b = bench();
    const csv = b.file("a.csv", SAMPLE_CSV + "not-an-email,X,Y,Z\n");
    await b.run(["init"]);
    const before = b.snapshot();
    const r = await b.run(["import", "a.csv", "--event", "ev", "--yes", "--rejects", "./a.csv"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--rejects: ./a.csv is the file being imported");
    expect(readFileSync(csv, "utf8")).toBe(SAMPLE_CSV + "not-an-email,X,Y,Z\n");
    expect(b.snapshot()).toEqual(before);
  });

  it("--rejects and --html refuse the workspace and the master key", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    const key = readFileSync(b.env.EVCRED_KEY_FILE ?? "", "utf8");
    const before = b.snapshot();
    const html = await b.run(["preview", "credentials", "--html", b.env.EVCRED_KEY_FILE ?? ""]);
    expect(html.code).toBe(2);
    expect(html.stderr).toContain("is the master key");
    const rejects = await b.run(["import", "a.csv", "--rejects", "evcred.db"]);
    expect(rejects.code).toBe(2);
    expect(rejects.stderr).toContain("is the workspace");
    expect(readFileSync(b.env.EVCRED_KEY_FILE ?? "", "utf8")).toBe(key);
    expect(b.snapshot()).toEqual(before);
  });
});
