/**
 * render/ formats what it is given: no module of it opens or queries the workspace. A question
 * that offers data (the attendees to pick from) gets it from its caller in commands/.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const RENDER = join(import.meta.dirname, "../../src/render");

describe("render", () => {
  it("never reaches the workspace", () => {
    const files = readdirSync(RENDER).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const text = readFileSync(join(RENDER, file), "utf8");
      expect(text, file).not.toMatch(/store\/workspace\.js|\bWorkspace\b|ctx\.workspace\(/);
      expect(text, file).not.toMatch(/domain\/(attendees|links|recipients|stats)\.js/);
    }
  });
});
