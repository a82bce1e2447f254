import { describe, expect, it } from "vitest";
import { cleanSession } from "../../src/bench/detectors/injection/clean-transcript.ts";
import { flawInjectionSet, INJECTABLE_SUBTYPES } from "../../src/bench/detectors/injection/flaw-injection.ts";
import { scoreDetections } from "../../src/bench/detectors/injection/injection-eval.ts";
import { RULE_DETECTABLE_SUBTYPES, runDetectors } from "../../src/bench/detectors/run-detectors.ts";
import { createRng } from "../../src/core/index.ts";

describe("flaw-injection set", () => {
  it("is deterministic, keeps the protocol, and puts each flaw where it says", () => {
    const a = flawInjectionSet({ perSubtype: 1, clean: 1 });
    const b = flawInjectionSet({ perSubtype: 1, clean: 1 });
    expect(a).toEqual(b);
    for (const s of a) {
      expect(s.turns).toHaveLength(102);
      s.turns.forEach((t, i) => {
        expect([t.round, t.role]).toEqual([i, i % 2 === 0 ? "ai" : "user"]);
      });
      for (const f of s.flaws) expect(s.turns[f.round]!.role).toBe("ai");
    }
    expect(new Set(a.flatMap((s) => s.flaws.map((f) => f.subtype)))).toEqual(new Set(INJECTABLE_SUBTYPES));
  });
  it("has clean bases the detectors leave alone", () => {
    for (const lang of ["en", "zh"] as const)
      for (let i = 0; i < 5; i++) {
        const s = cleanSession(createRng(`test-clean-${lang}-${i}`), lang);
        expect(runDetectors({ ...s })).toEqual([]);
      }
  });
  it("is detected with precision and recall of at least 0.95 for every rule-detectable subtype", () => {
    const set = flawInjectionSet({ seed: "unit-test", perSubtype: 5, clean: 3 });
    const scores = scoreDetections(set, (s) => runDetectors(s));
    for (const subtype of RULE_DETECTABLE_SUBTYPES) {
      const score = scores.find((x) => x.subtype === subtype)!;
      expect(score, subtype).toBeDefined();
      expect(score.recall, `${subtype} recall`).toBeGreaterThanOrEqual(0.95);
      expect(score.precision, `${subtype} precision`).toBeGreaterThanOrEqual(0.95);
    }
  });
});
