import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cohenKappa, fleissKappa, fleissKappaFromLabels, krippendorffAlpha } from "../../src/stats/index.ts";

const repeat = <T>(value: T, times: number): T[] => Array.from({ length: times }, () => value);

describe("cohenKappa", () => {
  it("matches the 50-proposal example of Wikipedia's 'Cohen's kappa' article (κ = 0.4)", () => {
    // Both yes 20, A yes/B no 5, A no/B yes 10, both no 15: p_o = 35/50 = 0.7;
    // p_e = (25/50)(30/50) + (25/50)(20/50) = 0.3 + 0.2 = 0.5; κ = (0.7 − 0.5)/(1 − 0.5) = 0.4.
    const a = [...repeat("yes", 20), ...repeat("yes", 5), ...repeat("no", 10), ...repeat("no", 15)];
    const b = [...repeat("yes", 20), ...repeat("no", 5), ...repeat("yes", 10), ...repeat("no", 15)];
    const r = cohenKappa(a, b);
    expect(r.observedAgreement).toBeCloseTo(0.7, 12);
    expect(r.expectedAgreement).toBeCloseTo(0.5, 12);
    expect(r.kappa).toBeCloseTo(0.4, 12);
  });

  it("computes weighted κ (no published example at hand; hand-computed here)", () => {
    // a = [1,2,3,3], b = [1,2,3,2], 3 categories. Linear weights |i−j|/2: observed disagreement = (½)/4 = 0.125.
    // Marginals a: (¼, ¼, ½), b: (¼, ½, ¼). Expected = Σ w_ij a_i b_j, term by term: (1,2) ½·¼·½ = 1/16, (1,3) 1·¼·¼ = 1/16,
    //   (2,1) ½·¼·¼ = 1/32, (2,3) ½·¼·¼ = 1/32, (3,1) 1·½·¼ = 1/8, (3,2) ½·½·½ = 1/8 → 7/16 = 0.4375.
    // κ_linear = 1 − 0.125/0.4375 = 5/7. Quadratic weights ((i−j)/2)²: observed = ¼·¼ = 1/16;
    // expected = 1/32 + 1/16 + 1/64 + 1/64 + 1/8 + 1/16 = 5/16; κ_quadratic = 1 − (1/16)/(5/16) = 0.8.
    expect(cohenKappa([1, 2, 3, 3], [1, 2, 3, 2], { weights: "linear" }).kappa).toBeCloseTo(5 / 7, 12);
    expect(cohenKappa([1, 2, 3, 3], [1, 2, 3, 2], { weights: "quadratic" }).kappa).toBeCloseTo(0.8, 12);
  });

  it("is 1 for identical raters and symmetric in the raters (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })), {
          minLength: 2,
          maxLength: 40,
        }),
        (pairs) => {
          const a = pairs.map((p) => p[0]);
          const b = pairs.map((p) => p[1]);
          if (new Set(a).size > 1) expect(cohenKappa(a, a).kappa).toBeCloseTo(1, 12);
          const ab = cohenKappa(a, b).kappa;
          const ba = cohenKappa(b, a).kappa;
          if (Number.isNaN(ab)) expect(ba).toBeNaN();
          else expect(ab).toBeCloseTo(ba, 12);
        },
      ),
    );
  });

  it("rejects mismatched raters and unordered text labels for weighted κ", () => {
    expect(() => cohenKappa(["a"], ["a", "b"])).toThrow(/same items/);
    expect(() => cohenKappa(["lo", "hi"], ["hi", "lo"], { weights: "linear" })).toThrow(/order/);
    expect(cohenKappa(["lo", "hi"], ["hi", "hi"], { weights: "linear", categories: ["lo", "hi"] }).n).toBe(2);
  });
});

describe("fleissKappa", () => {
  // Fleiss (1971), the 10 subjects × 14 raters × 5 categories table, as worked in Wikipedia's "Fleiss' kappa":
  // P̄ = 0.378, P̄e = 0.213, κ = 0.210.
  const table = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
  ];

  it("matches the published worked example", () => {
    const r = fleissKappa(table);
    expect(r.observedAgreement).toBeCloseTo(0.378, 3);
    expect(r.expectedAgreement).toBeCloseTo(0.213, 3);
    expect(r.kappa).toBeCloseTo(0.21, 3);
    // p_j from the article: 0.143, 0.200, 0.279, 0.150, 0.229.
    expect(r.categoryProportions.map((p) => +p.toFixed(3))).toEqual([0.143, 0.2, 0.279, 0.15, 0.229]);
  });

  it("gives the same κ from raw labels", () => {
    const labels = table.map((row) => row.flatMap((count, category) => repeat(`c${category}`, count)));
    expect(fleissKappaFromLabels(labels).kappa).toBeCloseTo(fleissKappa(table).kappa, 12);
  });

  it("is 1 when all raters agree on every subject, and rejects unequal rater counts", () => {
    expect(
      fleissKappa([
        [3, 0],
        [0, 3],
        [3, 0],
      ]).kappa,
    ).toBeCloseTo(1, 12);
    expect(() =>
      fleissKappa([
        [3, 0],
        [0, 2],
      ]),
    ).toThrow(/ratings/);
    expect(() => fleissKappaFromLabels([["a", null as unknown as string]])).toThrow(/missing/);
  });
});

describe("krippendorffAlpha", () => {
  // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers × 12 units with
  // missing values; published α: nominal 0.743, ordinal 0.815, interval 0.849, ratio 0.797.
  const _ = null;
  const observers = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
  ];
  const units = (observers[0] as unknown[]).map((__, u) => observers.map((o) => o[u] as number | null));

  it("matches Krippendorff's published values for every level", () => {
    expect(krippendorffAlpha(units, { level: "nominal" }).alpha).toBeCloseTo(0.743, 3);
    expect(krippendorffAlpha(units, { level: "ordinal" }).alpha).toBeCloseTo(0.815, 3);
    expect(krippendorffAlpha(units, { level: "interval" }).alpha).toBeCloseTo(0.849, 3);
    expect(krippendorffAlpha(units, { level: "ratio" }).alpha).toBeCloseTo(0.797, 3);
    // Unit 12 has a single value and is not pairable: n = 40 pairable values over 11 units.
    const r = krippendorffAlpha(units);
    expect(r.pairableValues).toBe(40);
    expect(r.pairableUnits).toBe(11);
  });

  it("matches the 3-coder example of Wikipedia's 'Krippendorff's alpha' article (nominal 0.691, interval 0.811)", () => {
    const x = null;
    const coders = [
      [x, x, x, x, x, 3, 4, 1, 2, 1, 1, 3, 3, x, 3],
      [1, x, 2, 1, 3, 3, 4, 3, x, x, x, x, x, x, x],
      [x, x, 2, 1, 3, 4, 4, x, 2, 1, 1, 3, 3, x, 4],
    ];
    const u = (coders[0] as unknown[]).map((__, i) => coders.map((c) => c[i] as number | null));
    // Nominal by hand: n = 26 pairable values; D_o = 6/26, D_e = 486/650 → α = 1 − (6/26)/(486/650) = 0.691358.
    expect(krippendorffAlpha(u).alpha).toBeCloseTo(0.691358, 6);
    expect(krippendorffAlpha(u, { level: "interval" }).alpha).toBeCloseTo(0.810845, 6);
  });

  it("orders text labels for the ordinal level and equals the numeric result", () => {
    const names = ["very low", "low", "mid", "high", "very high"];
    const textUnits = units.map((u) => u.map((v) => (v === null ? null : (names[v - 1] as string))));
    expect(krippendorffAlpha(textUnits, { level: "ordinal", order: names }).alpha).toBeCloseTo(0.815, 3);
    expect(() => krippendorffAlpha(textUnits, { level: "ordinal" })).toThrow(/order/);
  });

  it("is 1 for identical raters (property) and rejects data with nothing pairable", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 30 }),
        fc.integer({ min: 2, max: 5 }),
        (values, raters) => {
          fc.pre(new Set(values).size > 1);
          const u = values.map((v) => Array.from({ length: raters }, () => v));
          for (const level of ["nominal", "ordinal", "interval", "ratio"] as const) {
            expect(krippendorffAlpha(u, { level }).alpha).toBeCloseTo(1, 12);
          }
        },
      ),
    );
    expect(() =>
      krippendorffAlpha([
        [1, null],
        [null, 2],
      ]),
    ).toThrow(/at least twice/);
  });
});
