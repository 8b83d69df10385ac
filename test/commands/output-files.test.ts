import { linkSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { benchPerTest, SAMPLE_CSV, itOnSqlite } from "../helpers/workspace.js";

const bench = benchPerTest();

describe("files a flag asks evcred to write", () => {
  it("--rejects refuses the very file being imported, and changes nothing", async () => {
    const b = bench();
    const csv = b.file("a.csv", SAMPLE_CSV + "not-an-email,X,Y,Z\n");
    await b.run(["init"]);
    const before = await b.snapshot();
    const r = await b.run(["import", "a.csv", "--event", "ev", "--yes", "--rejects", "./a.csv"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--rejects: ./a.csv is the file being imported");
    expect(readFileSync(csv, "utf8")).toBe(SAMPLE_CSV + "not-an-email,X,Y,Z\n");
    expect(await b.snapshot()).toEqual(before);
  });

  itOnSqlite("--rejects and --html refuse the workspace and the master key", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    const key = readFileSync(b.env.EVCRED_KEY_FILE ?? "", "utf8");
    const before = await b.snapshot();
    const html = await b.run(["preview", "credentials", "--html", b.env.EVCRED_KEY_FILE ?? ""]);
    expect(html.code).toBe(2);
    expect(html.stderr).toContain("is the master key");
    const rejects = await b.run(["import", "a.csv", "--rejects", "evcred.db"]);
    expect(rejects.code).toBe(2);
    expect(rejects.stderr).toContain("is the workspace");
    expect(readFileSync(b.env.EVCRED_KEY_FILE ?? "", "utf8")).toBe(key);
    expect(await b.snapshot()).toEqual(before);
  });

  it("--html refuses a hard link to the master key (KEY.old-<id> of a failed rotation)", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    const keyFile = b.env.EVCRED_KEY_FILE ?? "";
    const key = readFileSync(keyFile, "utf8");
    linkSync(keyFile, `${keyFile}.old-0123456789ab`);
    const r = await b.run(["preview", "credentials", "--html", `${keyFile}.old-0123456789ab`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is the master key; evcred will not write over it");
    expect(readFileSync(keyFile, "utf8")).toBe(key);
  });

  it("--html and --rejects refuse any file with a second name", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV + "not-an-email,X,Y,Z\n");
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    b.file("notes.txt", "mine\n");
    linkSync(b.path("notes.txt"), b.path("other-name.txt"));
    const html = await b.run(["preview", "credentials", "--html", "other-name.txt"]);
    expect(html.code).toBe(2);
    expect(html.stderr).toContain("other-name.txt has 2 names (hard links)");
    const rejects = await b.run(["import", "a.csv", "--rejects", "notes.txt"]);
    expect(rejects.code).toBe(2);
    expect(b.read("notes.txt")).toBe("mine\n");
  });

  it("writes a new 0600 file in place of the name: never through a symlink or an old mode", async () => {
    const b = bench();
    b.file("a.csv", SAMPLE_CSV);
    await b.run(["import", "a.csv", "--event", "ev", "--yes"]);
    writeFileSync(b.path("elsewhere.txt"), "untouched\n", { mode: 0o644 });
    symlinkSync(b.path("elsewhere.txt"), b.path("link.html"));
    writeFileSync(b.path("old.html"), "old\n", { mode: 0o644 });
    expect((await b.run(["preview", "credentials", "--html", "link.html"])).code).toBe(0);
    expect((await b.run(["preview", "credentials", "--html", "old.html"])).code).toBe(0);
    expect(b.read("elsewhere.txt")).toBe("untouched\n");
    expect(lstatSync(b.path("link.html")).isFile()).toBe(true);
    expect(b.read("link.html")).toContain("<html");
    expect(statSync(b.path("old.html")).mode & 0o777).toBe(0o600);
    expect(b.read("old.html")).toContain("<html");
  });
});
