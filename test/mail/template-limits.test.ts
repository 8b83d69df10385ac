/**
 * Templates that would stall evcred: one too large, and a long run of blanks inside a tag (Eta's
 * parser looked for the tag's end from every one of them: a 2 MB template hung for minutes).
 */
import { describe, expect, it } from "vitest";
import { benchPerTest } from "../helpers/workspace.js";

const bench = benchPerTest();
const HEAD = "---\nsubject: Hi <%= it.first_name %>\n---\n";
const BODY = "<%= it.user_email %> <%= it.user_pass %>\n";

describe("template check", () => {
  it("refuses a template over 512 KB, at once", async () => {
    const b = bench();
    b.file("templates/big.eta", HEAD + BODY + "x".repeat(2 * 1024 * 1024));
    const r = await b.run(["template", "check", "big"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("big.eta is 2048 KB; a template may have at most 512 KB");
  });

  it("refuses a long run of spaces inside a tag, naming its line, without hanging", async () => {
    const b = bench();
    b.file("templates/spaces.eta", `${HEAD}${BODY}\n<%= it.first_name${" ".repeat(400_000)}%>\n`);
    const r = await b.run(["template", "check", "spaces"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "spaces.eta:6: more than 200 blank characters in a row inside this tag",
    );
  });

  it("accepts blanks in strings, comments and text, and many shorter runs in tags", async () => {
    const b = bench();
    const blanks = " ".repeat(150);
    const tags = `<% if (it.first_name${blanks}) { %>a<% }${blanks}%>\n`.repeat(1_000);
    const text = `${HEAD}${BODY}<%= "${" ".repeat(5_000)}" %><%/*${" ".repeat(5_000)}*/%>${" ".repeat(5_000)}\n${tags}`;
    b.file("templates/fine.eta", text);
    const r = await b.run(["template", "check", "fine"]);
    expect(r.code, r.stderr).toBe(0);
  });
});
