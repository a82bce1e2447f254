import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createNearDuplicateIndex,
  garbleSignals,
  jaccard,
  lengthTrend,
  nearDuplicates,
  ngrams,
  tokenize,
} from "../../src/text/index.ts";

describe("near-duplicate turns", () => {
  it("finds an English near-duplicate by hand-computed word-trigram Jaccard", () => {
    // A and B share 4 of their 5 trigrams each ("the knight drew" … "his sword and"); union 6 → J = 4/6.
    // C shares none.
    const turns = [
      "The knight drew his sword and smiled.",
      "The rain kept falling on the roof.",
      "The knight drew his sword and laughed!",
    ];
    expect(nearDuplicates(turns)).toEqual([{ first: 0, second: 2, similarity: 4 / 6 }]);
    expect(nearDuplicates(turns, { threshold: 0.7 })).toEqual([]);
  });

  it("finds a Chinese near-duplicate by hand-computed character-trigram Jaccard", () => {
    // 她轻轻地推开了门 / 她轻轻地推开了窗: 6 trigrams each, 5 shared, union 7 → 5/7.
    const index = createNearDuplicateIndex();
    expect(index.add("她轻轻地推开了门。")).toEqual([]);
    expect(index.add("她轻轻地推开了窗。")).toEqual([{ index: 0, similarity: 5 / 7 }]);
  });

  it("respects the window and ignores turns shorter than a shingle", () => {
    const turns = ["a b c d", "x y z w", "a b c d"];
    expect(nearDuplicates(turns, { window: 1 })).toEqual([]);
    expect(nearDuplicates(turns, { window: 2 })).toEqual([{ first: 0, second: 2, similarity: 1 }]);
    expect(nearDuplicates(["hi", "hi"])).toEqual([]);
    expect(() => nearDuplicates([], { threshold: 0 })).toThrow(/threshold/);
  });

  it("equals brute-force Jaccard over all pairs (property)", () => {
    const word = fc.constantFrom("a", "b", "c", "的", "是", "x");
    fc.assert(
      fc.property(
        fc.array(fc.array(word, { minLength: 0, maxLength: 8 }), { maxLength: 8 }),
        fc.double({ min: 0.2, max: 1, noNaN: true }),
        (raw, threshold) => {
          const turns = raw.map((w) => w.join(" "));
          const sets = turns.map((t) => new Set(ngrams(tokenize(t), 3)));
          const expected: Array<{ first: number; second: number; similarity: number }> = [];
          for (let j = 0; j < sets.length; j++) {
            for (let i = 0; i < j; i++) {
              const s = jaccard(sets[i] as Set<string>, sets[j] as Set<string>);
              if (s >= threshold && s > 0) expected.push({ first: i, second: j, similarity: s });
            }
          }
          const got = nearDuplicates(turns, { threshold });
          const key = (p: { first: number; second: number }) => `${p.first}-${p.second}`;
          expect(got.map(key).sort()).toEqual(expected.map(key).sort());
          for (const p of got)
            expect(p.similarity).toBeCloseTo(expected.find((e) => key(e) === key(p))?.similarity ?? -1, 12);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("stays exact on longer turns built from shared phrases, where prefix filtering prunes most pairs (property)", () => {
    const phrase = fc.constantFrom(
      "the old gate",
      "she smiled",
      "rain fell",
      "the old road",
      "he smiled",
      "我们走吧",
      "城堡的门",
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(phrase, { minLength: 3, maxLength: 12 }), { minLength: 2, maxLength: 12 }),
        (raw) => {
          const turns = raw.map((p) => p.join(" "));
          const sets = turns.map((t) => new Set(ngrams(tokenize(t), 3)));
          const expected = new Set<string>();
          for (let j = 0; j < sets.length; j++) {
            for (let i = 0; i < j; i++)
              if (jaccard(sets[i] as Set<string>, sets[j] as Set<string>) >= 0.5) expected.add(`${i}-${j}`);
          }
          expect(new Set(nearDuplicates(turns).map((p) => `${p.first}-${p.second}`))).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("garbleSignals", () => {
  it("counts mojibake, replacement characters, runs and symbols by hand", () => {
    // Non-space characters: C a f Ã © (5) + �� (2) + !!!!!! (6) = 13. Symbols (\p{S}): © and the two U+FFFD = 3.
    const g = garbleSignals("CafÃ© \ufffd\ufffd!!!!!!");
    expect(g).toMatchObject({ chars: 13, replacementChars: 2, mojibake: 1, longestCharRun: 6, controlChars: 0 });
    expect(g.symbolRatio).toBeCloseTo(3 / 13, 12);
    expect(garbleSignals("å¤§å®¶å¥½").mojibake).toBe(3); // "大家好" read as Windows-1252
  });

  it("reports long Latin runs, controls and private-use characters; clean Chinese stays clean", () => {
    expect(garbleSignals("ok asdkjhqwelkjzxcmnb ok").longestLatinRun).toBe(18); // a-s-d-k-j-h-q-w-e-l-k-j-z-x-c-m-n-b
    expect(garbleSignals("a\u0007b\ue000").controlChars).toBe(1);
    expect(garbleSignals("a\u0007b\ue000").privateUse).toBe(1);
    expect(garbleSignals("她笑了笑，说：“好啊。”")).toMatchObject({
      mojibake: 0,
      replacementChars: 0,
      symbolRatio: 0,
      longestCharRun: 1,
    });
    expect(garbleSignals("")).toMatchObject({ chars: 0, symbolRatio: 0 });
  });

  it("reports the longest run of ASCII consonants (y counts as a vowel)", () => {
    expect(garbleSignals("ok xkcdzvbnm ok").longestConsonantRun).toBe(9); // x-k-c-d-z-v-b-n-m
    expect(garbleSignals("Strengths and rhythm").longestConsonantRun).toBe(5); // n-g-t-h-s; "rhythm" splits at y
    expect(garbleSignals("BCDFGé HJ").longestConsonantRun).toBe(5); // é ends the run
    expect(garbleSignals("她笑了").longestConsonantRun).toBe(0);
  });
});

describe("lengthTrend", () => {
  it("computes slope and first/last means by hand", () => {
    // Lengths 10, 12, 14, 16: slope 2, mean 13, fitted change 2·3/13; window 2 → first 11, last 15, ratio 15/11.
    const t = lengthTrend([10, 12, 14, 16], { window: 2 });
    expect(t.slope).toBeCloseTo(2, 12);
    expect(t.relativeChange).toBeCloseTo(6 / 13, 12);
    expect(t).toMatchObject({ firstMean: 11, lastMean: 15 });
    expect(t.ratio).toBeCloseTo(15 / 11, 12);
    expect(() => lengthTrend([1])).toThrow(/2 turns/);
  });
});
