import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { combineDimensions, scoreChunk, scoreSession } from "../../src/bench/scoring/deduction.ts";
import { DEFAULT_SCORING, resolveScoringConfig, scoringConfigHash } from "../../src/bench/scoring/scoring-config.ts";
import { DIMENSIONS } from "../../src/bench/taxonomy.ts";
import { flag } from "./judge-fixtures.ts";

describe("severity-weighted deduction", () => {
  it("deducts 5 points per severity unit beyond an allowance of 0.1 per NPC turn", () => {
    // 10 NPC turns → allowance 1. Interaction mass 2+3 = 5 → 100 − 5·4 = 80. Logic mass 1 → forgiven.
    const flags = [
      flag({ round: 2, severity: 2 }),
      flag({ round: 4, severity: 3 }),
      flag({ round: 6, dimension: "logic", subtype: "pronoun_confusion", severity: 1 }),
    ];
    const s = scoreChunk(flags, 10, DEFAULT_SCORING);
    expect(s.interaction).toBe(80);
    expect(s.logic).toBe(100);
    expect(s.basics).toBe(100);
  });
  it("ignores unverified and detector flags by default, and counts them when configured", () => {
    const flags = [
      flag({ round: 2, severity: 3, verified: false, verification: "quote_not_found" }),
      flag({ round: 4, severity: 3, source: "detector", by: "speaks-for-user" }),
    ];
    expect(scoreChunk(flags, 10, DEFAULT_SCORING).interaction).toBe(100);
    const all = resolveScoringConfig({ includeUnverified: true, detectorFlags: "score" });
    expect(scoreChunk(flags, 10, all).interaction).toBe(75);
  });
  it("clamps at 0 and never exceeds 100", () => {
    const many = Array.from({ length: 20 }, (_, i) => flag({ round: 2 + 2 * i, severity: 3 }));
    expect(scoreChunk(many, 10, DEFAULT_SCORING).interaction).toBe(0);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 50 }),
        (sev, n) => {
          const s = scoreChunk(
            sev.map((v, i) => flag({ round: 2 + i * 2, severity: v as 1 | 2 | 3 })),
            n,
            DEFAULT_SCORING,
          );
          for (const d of DIMENSIONS) expect(s[d]).toBeGreaterThanOrEqual(0);
          for (const d of DIMENSIONS) expect(s[d]).toBeLessThanOrEqual(100);
        },
      ),
    );
  });
  it("combines dimensions into categories and Overall = .5W + .25S + .25P", () => {
    const card = combineDimensions(
      { basics: 90, logic: 60, knowledge: 30, diversity: 80, content_logic: 40, interaction: 100 },
      DEFAULT_SCORING,
    );
    expect(card.categories.worlds).toBeCloseTo(60);
    expect(card.categories.stories).toBeCloseTo(60);
    expect(card.categories.user_preferences).toBe(100);
    expect(card.overall).toBeCloseTo(0.5 * 60 + 0.25 * 60 + 0.25 * 100);
    const weighted = resolveScoringConfig({
      dimensionWeights: { basics: 2, logic: 1, knowledge: 1, diversity: 1, content_logic: 1, interaction: 1 },
    });
    expect(combineDimensions(card.dimensions, weighted).categories.worlds).toBeCloseTo((180 + 60 + 30) / 4);
    expect(scoringConfigHash(weighted)).not.toBe(scoringConfigHash(DEFAULT_SCORING));
  });
  it("scores a session as the NPC-turn-weighted mean of its chunks", () => {
    const session = scoreSession(
      [
        { flags: [flag({ round: 2, severity: 3 }), flag({ round: 4, severity: 3 })], npcTurns: 10 }, // 100-5·5=75
        { flags: [], npcTurns: 10 },
        { flags: [], npcTurns: 0 },
      ],
      DEFAULT_SCORING,
    );
    expect(session?.chunks).toHaveLength(2);
    expect(session?.card.dimensions.interaction).toBeCloseTo(87.5);
    expect(scoreSession([], DEFAULT_SCORING)).toBeUndefined();
  });
  it("rejects a bad scoring config with the field named", () => {
    expect(() => resolveScoringConfig({ pointsPerUnit: -1 })).toThrow(/pointsPerUnit/);
  });
});
