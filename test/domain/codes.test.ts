import { describe, expect, it } from "vitest";
import {
  CODE_ALPHABET,
  DEFAULT_CODE_LENGTH,
  generateCode,
  groupCode,
  MAX_CODE_LENGTH,
  maskedCode,
  MIN_CODE_LENGTH,
  normalizeCode,
  shownCode,
  displayCode,
} from "../../src/domain/codes.js";

describe("the code alphabet", () => {
  it("has no look-alikes (0 O 1 I L) and no U", () => {
    for (const ch of ["0", "O", "1", "I", "L", "U"]) expect(CODE_ALPHABET).not.toContain(ch);
  });

  it("is 30 distinct upper-case letters and digits", () => {
    expect(CODE_ALPHABET).toMatch(/^[A-Z2-9]+$/);
    expect(new Set(CODE_ALPHABET).size).toBe(CODE_ALPHABET.length);
    expect(CODE_ALPHABET).toHaveLength(30);
  });
});

describe("generateCode", () => {
  it("draws 10 symbols of the alphabet by default", () => {
    expect(DEFAULT_CODE_LENGTH).toBe(10);
    const code = generateCode();
    expect(code).toHaveLength(10);
    for (const ch of code) expect(CODE_ALPHABET).toContain(ch);
  });

  it("honours a per-event length from the minimum to the maximum", () => {
    expect(MIN_CODE_LENGTH).toBe(8);
    for (const length of [MIN_CODE_LENGTH, 12, 16, MAX_CODE_LENGTH]) {
      expect(generateCode(length)).toHaveLength(length);
    }
  });

  it.each([7, 0, -1, MAX_CODE_LENGTH + 1, 9.5, Number.NaN])("refuses length %s", (length) => {
    expect(() => generateCode(length)).toThrow(RangeError);
  });

  it("uses every symbol, roughly evenly, over many draws", () => {
    const counts = new Map<string, number>();
    const draws = 3_000;
    for (let i = 0; i < draws; i++) {
      for (const ch of generateCode(10)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    // 30,000 symbols: 1,000 expected per symbol, standard deviation about 31. The bounds are
    // more than 9 deviations away, so a fair generator never fails; a biased one (a symbol
    // missing, or modulo bias doubling some) does.
    expect([...counts.keys()].sort().join("")).toBe(CODE_ALPHABET.split("").sort().join(""));
    for (const [, n] of counts) {
      expect(n).toBeGreaterThan(700);
      expect(n).toBeLessThan(1_300);
    }
  });

  it("does not repeat itself", () => {
    const codes = new Set(Array.from({ length: 2_000 }, () => generateCode()));
    expect(codes.size).toBe(2_000);
  });
});

describe("groupCode", () => {
  it.each([
    ["K7QM4XHP2W", "K7QM-4XHP-2W"],
    ["K7QM4XHP", "K7QM-4XHP"],
    ["K7QM4XHP2WZZ", "K7QM-4XHP-2WZZ"],
    ["K7QM4XHP2WZZA", "K7QM-4XHP-2WZZ-A"],
  ])("%s → %s", (code, grouped) => {
    expect(groupCode(code)).toBe(grouped);
  });

  it("masks a code of the same shape without any of its symbols", () => {
    expect(maskedCode()).toBe("••••-••••-••");
    expect(maskedCode(8)).toBe("••••-••••");
  });
});

describe("normalizeCode", () => {
  it.each([
    ["K7QM-4XHP-2W", "K7QM4XHP2W"],
    ["k7qm-4xhp-2w", "K7QM4XHP2W"],
    ["k7qm4xhp2w", "K7QM4XHP2W"],
    [" K7QM 4XHP 2W ", "K7QM4XHP2W"],
    ["k7qm\t4xhp\n2w", "K7QM4XHP2W"],
    ["K7QM\u20134XHP\u20142W", "K7QM4XHP2W"],
    ["K7QM--4XHP - 2W", "K7QM4XHP2W"],
  ])("%j → %s", (input, normalized) => {
    expect(normalizeCode(input)).toBe(normalized);
  });

  it.each([
    ["gracE2O26HALL", "GRACE2026HA11"],
    ["GRACE-2026-HALL", "GRACE2026HA11"],
    ["grace-2o26-ha1l", "GRACE2026HA11"],
    ["Oil-ILO", "011110"],
  ])("folds the look-alikes O → 0, I and L → 1 on both sides: %j → %s", (input, normalized) => {
    expect(normalizeCode(input)).toBe(normalized);
  });

  it("never changes a generated code by folding (its alphabet has no look-alikes)", () => {
    for (let i = 0; i < 200; i++) {
      const code = generateCode();
      expect(normalizeCode(code)).toBe(code);
    }
  });

  it("reads back what groupCode shows", () => {
    const code = generateCode();
    expect(normalizeCode(groupCode(code))).toBe(code);
    expect(normalizeCode(groupCode(code).toLowerCase())).toBe(code);
  });
});

describe("a chosen code as shown", () => {
  it.each([
    ["grace-2026-hall", "GRACE-2026-HALL"],
    [" Grace 2026  hall ", "GRACE-2026-HALL"],
    ["GRACE2026HALL", "GRACE2026HALL"],
    ["e\u20132026\u2014alan", "E-2026-ALAN"],
  ])("%j is sealed as %s: grouped as typed", (typed, shown) => {
    expect(displayCode(typed)).toBe(shown);
  });

  it("is shown as sealed, while a generated one is grouped by four", () => {
    expect(shownCode("GRACE-2026-HALL", "organizer")).toBe("GRACE-2026-HALL");
    expect(shownCode("GRACE2026HALL", "organizer")).toBe("GRACE2026HALL");
    expect(shownCode("K7QM4XHP2W", "generated")).toBe("K7QM-4XHP-2W");
  });
});
