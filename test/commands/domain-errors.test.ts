import { describe, expect, it } from "vitest";
import { cliError } from "../../src/commands/domain-errors.js";
import { DomainError, type DomainProblem } from "../../src/domain/errors.js";
import { EvcredError, ExitCode, UsageError } from "../../src/errors.js";
import { domainReply } from "../../src/server/errors.js";

/** One problem of every code: the tables are typed to cover each, this checks what they say. */
const EVERY: readonly DomainProblem[] = [
  { code: "weak-code", reason: "a run like 12345678 is guessed first" },
  { code: "code-taken", event: "summit" },
  { code: "same-code", email: "ada@example.com" },
  { code: "invalid-email" },
  { code: "invalid-venue-key-name", name: "a b" },
  { code: "venue-key-taken", name: "door" },
  { code: "unknown-venue-key", key: "door" },
  { code: "unknown-attendee", email: "ada@example.com", event: "summit", suggestions: [] },
  { code: "email-taken", email: "ada@example.com", event: "summit" },
  { code: "invalid-fields", reason: 'no field "team"' },
  { code: "event-slug-taken", slug: "summit", renaming: false },
  { code: "no-event" },
  { code: "which-event", slugs: ["a", "b"] },
  { code: "unknown-event", slug: "x", known: ["summit"] },
  { code: "event-unchanged" },
  { code: "no-linked-template", event: "summit", action: "reset", suggested: "code-reset" },
  { code: "no-sender", event: "summit" },
  { code: "template-exists", file: "templates/mine.eta", from: "credentials" },
];

function asCli(problem: DomainProblem, terms?: Parameters<typeof cliError>[1]): EvcredError {
  const mapped = cliError(new DomainError(problem), terms);
  if (!(mapped instanceof EvcredError)) throw new Error(`${problem.code} was not mapped`);
  return mapped;
}

describe("domain errors", () => {
  it("carry a stable code and data, and a sentence that names no flag, argument or status", () => {
    for (const problem of EVERY) {
      const error = new DomainError(problem);
      expect(error.code).toBe(problem.code);
      expect(error.problem).toBe(problem);
      expect(error.message).not.toMatch(/--|\b[A-Z]{4,}\b|\b[45]\d\d\b|evcred /);
    }
  });

  it("read on the command line as the messages the commands always printed", () => {
    const weak = asCli({ code: "weak-code", reason: "too short" });
    expect(weak).toBeInstanceOf(UsageError);
    expect(weak.exitCode).toBe(ExitCode.usage);
    expect(weak.message).toBe("--code: too short");
    expect(weak.hint).toBe("prefer --generate: a random code nobody can guess");
    expect(asCli({ code: "code-taken", event: "summit" }).message).toBe(
      "--code: that code is taken by another attendee of summit",
    );
    expect(asCli({ code: "invalid-email" }).message).toBe("EMAIL: that is not an email address");
    expect(asCli({ code: "which-event", slugs: ["a", "b"] }).hint).toBe(
      "pass --event (one of: a, b) or run `evcred event use SLUG`",
    );
    // An attendee looked up without a search for the closest has no hint at all.
    expect(asCli({ code: "unknown-attendee", email: "x@y.z", event: "s" }).hint).toBeUndefined();
    for (const problem of EVERY) expect(asCli(problem).exitCode).toBe(ExitCode.usage);
  });

  it("name the flag or argument the command says the input came from, or none for a prompt", () => {
    expect(asCli({ code: "invalid-email" }, { input: "--to" }).message).toBe(
      "--to: that is not an email address",
    );
    expect(asCli({ code: "code-taken", event: "summit" }, { input: null }).message).toBe(
      "that code is taken by another attendee of summit",
    );
  });

  it("leave every other error as it is", () => {
    const other = new UsageError("--port: not a port");
    expect(cliError(other)).toBe(other);
  });

  it("answer on the server with a status and a JSON error, never a flag", () => {
    expect(domainReply({ code: "invalid-email" })).toEqual({
      status: 400,
      error: "bad_request",
      message: "email: not an email address",
    });
    expect(domainReply({ code: "code-taken", event: "summit" })).toEqual({
      status: 409,
      error: "code_taken",
    });
    // An unknown attendee answers as a wrong code does.
    expect(domainReply({ code: "unknown-attendee", email: "a@b.c", event: "s" })).toEqual({
      status: 401,
      error: "invalid_credentials",
    });
    for (const problem of EVERY) {
      const reply = domainReply(problem);
      expect(reply.error).toMatch(/^[a-z_]+$/);
      expect(JSON.stringify(reply)).not.toContain("--");
    }
  });
});
