import { describe, expect, it } from "vitest";
import { ExitCode } from "../../src/errors.js";
import { isLinkAction, noLinkError } from "../../src/domain/links.js";

describe("noLinkError", () => {
  it("says what is not linked and gives the exact command that links one", () => {
    const resend = noLinkError({ slug: "summit-2026" }, "resend");
    expect(resend.exitCode).toBe(ExitCode.usage);
    expect(resend.message).toContain("nothing is linked to resend for summit-2026");
    expect(resend.hint).toBe("evcred template link resend credentials --event summit-2026");
    expect(noLinkError({ slug: "x" }, "reset").hint).toBe(
      "evcred template link reset code-reset --event x",
    );
  });

  it("knows the two actions", () => {
    expect(["resend", "reset", "send", ""].map(isLinkAction)).toEqual([true, true, false, false]);
  });
});
