import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { averageRanks, kendallTauB, spearman } from "../../src/stats/index.ts";

describe("spearman", () => {
  it("matches Wikipedia's 'Spearman's rank correlation coefficient' example (IQ vs TV hours, ρ = −29/165)", () => {
    const iq = [106, 86, 100, 101, 99, 103, 97, 113, 112, 110];
    const tv = [7, 0, 27, 50, 28, 29, 20, 12, 6, 17];
    // No ties: Σd² = 194, ρ = 1 − 6·194/(10·99) = −29/165 = −0.175757…
    expect(spearman(iq, tv).rho).toBeCloseTo(-29 / 165, 12);
  });

  it("matches the scipy.stats.spearmanr documentation example, with a tie (ρ = 0.8208, p = 0.0886)", () => {
    const r = spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]);
    expect(r.rho).toBeCloseTo(0.8207826816681233, 12);
    expect(r.pValue).toBeCloseTo(0.08858700531354381, 10);
  });

  it("is ±1 for monotone data and NaN for a constant side", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 3, maxLength: 30 }), (xs) => {
        expect(
          spearman(
            xs,
            xs.map((x) => x ** 3),
          ).rho,
        ).toBeCloseTo(1, 12);
        expect(
          spearman(
            xs,
            xs.map((x) => -x),
          ).rho,
        ).toBeCloseTo(-1, 12);
      }),
    );
    expect(spearman([1, 1, 1], [1, 2, 3]).rho).toBeNaN();
    expect(() => spearman([1, 2], [1])).toThrow(/equally long/);
  });
});

describe("kendallTauB", () => {
  it("matches the scipy.stats.kendalltau documentation example, with ties (τ-b = −0.4714, p = 0.2827)", () => {
    // By hand: of the 10 pairs, C = 2, D = 6; x ties: {12,12}, {2,2} → n₁ = 2; y ties: {1,1} → n₂ = 1;
    // τ-b = (2 − 6)/√((10 − 2)(10 − 1)) = −4/√72 = −0.471405.
    const r = kendallTauB([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]);
    expect(r.concordant).toBe(2);
    expect(r.discordant).toBe(6);
    expect(r.tau).toBeCloseTo(-0.47140452079103173, 12);
    expect(r.pValue).toBeCloseTo(0.2827454599327748, 10);
  });

  it("equals τ-a without ties and is symmetric (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 })), {
          minLength: 3,
          maxLength: 25,
        }),
        (pairs) => {
          const x = pairs.map((p) => p[0]);
          const y = pairs.map((p) => p[1]);
          const a = kendallTauB(x, y).tau;
          const b = kendallTauB(y, x).tau;
          if (Number.isNaN(a)) expect(b).toBeNaN();
          else expect(a).toBeCloseTo(b, 12);
        },
      ),
    );
    const r = kendallTauB([1, 2, 3, 4], [1, 3, 2, 4]); // C = 5, D = 1, τ = 4/6
    expect(r.tau).toBeCloseTo(4 / 6, 12);
  });
});

describe("averageRanks", () => {
  it("gives tied values the mean of their ranks", () => {
    expect([...averageRanks([10, 20, 20, 5, 20])]).toEqual([2, 4, 4, 1, 4]);
  });
});
