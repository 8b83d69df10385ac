import { describe, expect, it } from "vitest";
import { cliError } from "../../src/commands/domain-errors.js";
import { DomainError } from "../../src/domain/errors.js";
import { isLinkAction, noLinkError } from "../../src/domain/links.js";
import { ExitCode, UsageError } from "../../src/errors.js";

describe("noLinkError", () => {
  it("says what is not linked and which template to link, as data", () => {
    const resend = noLinkError({ slug: "summit-2026" }, "resend");
    expect(resend).toBeInstanceOf(DomainError);
    expect(resend.problem).toEqual({
      code: "no-linked-template",
      event: "summit-2026",
      action: "resend",
      suggested: "credentials",
    });
    expect(resend.message).toContain("nothing is linked to resend for summit-2026");
  });

  it("reads on the command line as exit 2 with the exact command that links one", () => {
    const resend = cliError(noLinkError({ slug: "summit-2026" }, "resend"));
    expect(resend).toBeInstanceOf(UsageError);
    if (!(resend instanceof UsageError)) return;
    expect(resend.exitCode).toBe(ExitCode.usage);
    expect(resend.message).toContain("nothing is linked to resend for summit-2026");
    expect(resend.hint).toBe("evcred template link resend credentials --event summit-2026");
    const reset = cliError(noLinkError({ slug: "x" }, "reset"));
    expect(reset instanceof UsageError && reset.hint).toBe(
      "evcred template link reset code-reset --event x",
    );
  });

  it("knows the two actions", () => {
    expect(["resend", "reset", "send", ""].map(isLinkAction)).toEqual([true, true, false, false]);
  });
});
