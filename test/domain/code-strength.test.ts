import { describe, expect, it } from "vitest";
import { MAX_CODE_LENGTH } from "../../src/domain/codes.js";
import { weakCodeProblem, type ChosenCodeContext } from "../../src/domain/code-strength.js";

const ADA: ChosenCodeContext = {
  email: "ada.lovelace@example.com",
  eventWords: ["summit-2026", "Tech Summit 2026"],
};
const reason = (typed: string, context = ADA) => weakCodeProblem(typed, context)?.reason;

describe("weakCodeProblem: the rule for a chosen code", () => {
  it.each(["GRACE-2026-HALL", "E-2026-ALAN-VIP", "k7qm4xhp2w", "BLUE-TIGER-47", "73918264"])(
    "accepts %s",
    (typed) => {
      expect(weakCodeProblem(typed, ADA)).toBeUndefined();
    },
  );

  it("accepts 8 to 32 letters and digits, case, spaces and dashes ignored", () => {
    expect(reason("gr4c e-h4ll")).toBeUndefined();
    expect(reason("K7QM4XHP2W".repeat(3) + "AB")).toBeUndefined();
  });

  it("refuses a code too short or too long, saying how long it is", () => {
    expect(weakCodeProblem("ABC2345", ADA)?.message).toMatch(/8 to 32.*it has 7/);
    expect(weakCodeProblem("K".repeat(MAX_CODE_LENGTH + 1), ADA)?.message).toMatch(/it has 33/);
    expect(reason("")).toBe("length");
  });

  it.each(["ABCD234!", "ÄBCD2345", "K7QM_4XHP"])(
    "refuses symbols other than letters and digits: %s",
    (typed) => {
      expect(reason(typed)).toBe("symbols");
    },
  );

  it.each(["AAAAAAAA", "7777-7777", "ABABABAB", "12341234", "XYZXYZXYZ", "AAAABBBB", "AAB2BAAB"])(
    "refuses one symbol or a short pattern repeated: %s",
    (typed) => {
      expect(reason(typed)).toBe("repeated");
    },
  );

  it.each(["12345678", "ABCDEFGH", "98765432", "zyxwvuts", "23456789", "11223344", "AABBCCDD"])(
    "refuses a run: %s",
    (typed) => {
      expect(reason(typed)).toBe("sequence");
    },
  );

  it("refuses the runs of the issue exactly", () => {
    expect(reason("12345678")).toBe("sequence");
    expect(reason("ABCDEFGH")).toBe("sequence");
  });

  it.each([
    "PASSWORD",
    "password",
    "Passw0rd",
    "PASSWORD1",
    "PASSWORD2026",
    "2026PASSWORD",
    "WELCOME1",
    "Welcome-2026",
    "LETMEIN99",
    "OCTOBER2026",
    "QWERTYUIOP",
    // Leet and keyboard walks, as the lists crackers start with have them.
    "P4SSW0RD",
    "SUMM3R-2026",
    "1QAZ2WSX",
    "QAZWSXEDC",
    "ZAQ12WSX",
    "QWE-12345",
  ])("refuses a common word or password, with digits around it: %s", (typed) => {
    expect(reason(typed)).toBe("common-word");
  });

  it.each(["ADALOVELACE", "ada-lovelace", "LOVELACE2026", "ADALOVELACEEXAMPLECOM"])(
    "refuses the email's name part: %s",
    (typed) => {
      expect(reason(typed)).toBe("email");
    },
  );

  it.each(["SUMMIT2026", "summit-2026", "TECHSUMMIT2026"])(
    "refuses the event's words: %s",
    (typed) => {
      expect(reason(typed)).toBe("event");
    },
  );

  it("compares after folding look-alikes, as logins do", () => {
    expect(reason("PASSW0RD")).toBe("common-word");
    expect(reason("1ETME1N99")).toBe("common-word");
  });

  it("never repeats the code in its message", () => {
    for (const typed of [
      "PASSWORD1",
      "23456789",
      "AAAAAAAA",
      "ADALOVELACE",
      "SUMMIT2026",
      "ABC",
      "ABCD234!",
    ]) {
      const problem = weakCodeProblem(typed, ADA);
      expect(problem).toBeDefined();
      expect(problem?.message.toUpperCase()).not.toContain(typed.toUpperCase());
    }
  });
});
