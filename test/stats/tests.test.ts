import { describe, expect, it } from "vitest";
import { binomialTwoSidedP, mcnemarTest, pairedSignTest, signTest, wilsonInterval } from "../../src/stats/index.ts";

describe("wilsonInterval", () => {
  // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I: method 3 (score) and
  // method 4 (score with continuity correction), 95%, four printed to 4 decimals.
  const cases: Array<[number, number, [number, number], [number, number]]> = [
    [81, 263, [0.2553, 0.3662], [0.2535, 0.3682]],
    [15, 148, [0.0624, 0.1605], [0.0598, 0.1644]],
    [0, 20, [0, 0.1611], [0, 0.2005]],
    [1, 29, [0.0061, 0.1718], [0.0018, 0.1963]],
  ];
  it.each(cases)("%i/%i matches Newcombe's Table I", (k, n, score, corrected) => {
    const w = wilsonInterval(k, n);
    expect([+w.lower.toFixed(4), +w.upper.toFixed(4)]).toEqual(score);
    const c = wilsonInterval(k, n, { continuityCorrection: true });
    expect([+c.lower.toFixed(4), +c.upper.toFixed(4)]).toEqual(corrected);
  });

  it("stays inside [0, 1], contains the estimate, and rejects impossible counts", () => {
    for (let n = 1; n <= 30; n++) {
      for (let k = 0; k <= n; k++) {
        const w = wilsonInterval(k, n, { confidence: 0.9 });
        expect(w.lower).toBeGreaterThanOrEqual(0);
        expect(w.upper).toBeLessThanOrEqual(1);
        expect(w.lower).toBeLessThanOrEqual(w.estimate);
        expect(w.upper).toBeGreaterThanOrEqual(w.estimate);
      }
    }
    expect(() => wilsonInterval(5, 3)).toThrow(/successes/);
    expect(() => wilsonInterval(1, 3, { confidence: 95 })).toThrow(/confidence/);
  });
});

describe("signTest", () => {
  it("matches Zar's deer example (Wikipedia 'Sign test'): 8 of 10 positive, p = 0.1094", () => {
    // Hand check: P(X ≤ 2 | n = 10, ½) = (1 + 10 + 45)/1024 = 56/1024; two-sided 112/1024 = 0.109375.
    expect(signTest(8, 2).pValue).toBeCloseTo(0.109375, 12);
    expect(+signTest(8, 2).pValue.toFixed(4)).toBe(0.1094);
  });

  it("drops ties when given paired values", () => {
    const r = pairedSignTest([5, 6, 7, 7, 1], [4, 6, 2, 9, 0]);
    expect(r).toMatchObject({ positive: 3, negative: 1, ties: 1 });
    expect(r.pValue).toBeCloseTo(binomialTwoSidedP(3, 4), 12); // 2·(1 + 4)/16 = 0.625
    expect(r.pValue).toBeCloseTo(0.625, 12);
  });
});

describe("mcnemarTest", () => {
  it("matches Wikipedia's 'McNemar's test' example (314 patients, χ² = 21.35)", () => {
    // Table a = 101, b = 121, c = 59, d = 33: χ² = (121 − 59)²/(121 + 59) = 3844/180 = 21.356.
    const r = mcnemarTest(121, 59, "chi-square");
    expect(r.statistic).toBeCloseTo(21.3556, 4);
    expect(r.pValue).toBeLessThan(0.001);
    expect(mcnemarTest(121, 59).method).toBe("chi-square"); // b + c ≥ 25 → asymptotic under "auto"
  });

  it("matches the CUHK calculator example with continuity correction (7, 13, 1, 8 → 8.64286, p = 0.00328)", () => {
    // (|13 − 1| − 1)² / 14 = 121/14 = 8.642857.
    const r = mcnemarTest(13, 1, "chi-square-corrected");
    expect(r.statistic).toBeCloseTo(8.642857, 6);
    expect(r.pValue).toBeCloseTo(0.00328, 5);
  });

  it("matches Fagerland, Lydersen & Laake (2013): discordant (1, 7), exact 0.0703, mid-p 0.0391", () => {
    // Exact: 2·P(X ≤ 1 | n = 8) = 2·9/256 = 0.0703125. Mid-p: 2·(1/256 + ½·8/256) = 10/256 = 0.0390625.
    expect(mcnemarTest(1, 7, "exact").pValue).toBeCloseTo(0.0703125, 12);
    expect(mcnemarTest(1, 7, "mid-p").pValue).toBeCloseTo(0.0390625, 12);
    expect(mcnemarTest(1, 7).method).toBe("exact"); // b + c < 25 → exact under "auto"
  });

  it("handles b = c and no discordant pairs", () => {
    expect(mcnemarTest(3, 3, "exact").pValue).toBe(1);
    // mid-p at b = c: 1 − ½·P(X = 3 | n = 6) = 1 − ½·20/64 = 0.84375.
    expect(mcnemarTest(3, 3, "mid-p").pValue).toBeCloseTo(0.84375, 12);
    expect(mcnemarTest(0, 0).pValue).toBe(1);
    expect(() => mcnemarTest(-1, 2)).toThrow(/non-negative/);
  });
});
