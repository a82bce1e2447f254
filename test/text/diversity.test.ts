import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compressionRatio,
  createDistinctCounter,
  createNgramHistory,
  createSelfBleuWindow,
  distinctN,
  repeatedNgramRate,
  repeatedNgrams,
  selfBleu,
  sentenceBleu,
  tokenize,
} from "../../src/text/index.ts";

describe("distinct-n", () => {
  it("matches hand counts in English", () => {
    // "the cat sat on the mat": 6 unigrams, 5 distinct → 5/6; 5 bigrams, all distinct → 1.
    const a = tokenize("The cat sat on the mat.");
    expect(distinctN([a], 1)).toEqual({ unique: 5, total: 6, ratio: 5 / 6 });
    expect(distinctN([a], 2).ratio).toBe(1);
    // Adding "the cat sat": unigrams 9 total, still 5 distinct → 5/9; bigrams 7 total, 5 distinct → 5/7.
    const b = tokenize("the cat sat");
    expect(distinctN([a, b], 1).ratio).toBeCloseTo(5 / 9, 12);
    expect(distinctN([a, b], 2).ratio).toBeCloseTo(5 / 7, 12);
  });

  it("matches hand counts in Chinese (characters as tokens)", () => {
    // 好 好 学 习 天 天 向 上: 8 characters, 6 distinct → 0.75; 7 bigrams, all distinct → 1.
    const t = tokenize("好好学习，天天向上");
    expect(distinctN([t], 1).ratio).toBeCloseTo(0.75, 12);
    expect(distinctN([t], 2).ratio).toBe(1);
    expect(distinctN([["好"]], 2)).toEqual({ unique: 0, total: 0, ratio: Number.NaN });
  });

  it("incremental and batch agree (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom("a", "b", "c", "的", "是"), { maxLength: 12 }), { maxLength: 8 }),
        (seqs) => {
          const counter = createDistinctCounter(2);
          for (const s of seqs) counter.add(s);
          const unique = new Set(seqs.flatMap((s) => s.slice(1).map((t, i) => `${s[i]} ${t}`))).size;
          expect(counter.value().unique).toBe(unique);
          expect(counter.value()).toEqual(distinctN(seqs, 2));
        },
      ),
    );
  });
});

describe("BLEU and self-BLEU", () => {
  it("computes sentence BLEU-4 with NLTK method1 smoothing by hand (English)", () => {
    // hyp "the cat sat on the mat", ref "the cat is on the mat":
    // p1 = 5/6 (the×2, cat, on, mat), p2 = 3/5 (the cat, on the, the mat), p3 = 1/4 (on the mat),
    // p4 = 0 matches → ε/3 = 0.1/3. c = r = 6 → BP = 1. BLEU = (5/6 · 3/5 · 1/4 · 1/30)^(1/4) = 0.254066.
    const hyp = tokenize("the cat sat on the mat");
    const ref = tokenize("the cat is on the mat");
    expect(sentenceBleu(hyp, [ref])).toBeCloseTo(0.2540663740773, 10);
    expect(sentenceBleu(hyp, [ref], { smoothing: "none" })).toBe(0);
    expect(sentenceBleu(hyp, [hyp])).toBeCloseTo(1, 12);
    // Brevity penalty: hyp "the cat" (c = 2) against the 6-token ref: BP = e^(1 − 6/2) = e^−2;
    // p1 = 2/2, p2 = 1/1, p3 and p4 have no n-grams: ε/max(1, 0) = 0.1 each → BLEU = e^−2 · (0.1 · 0.1)^(1/4).
    expect(sentenceBleu(tokenize("the cat"), [ref])).toBeCloseTo(Math.exp(-2) * 0.01 ** 0.25, 12);
  });

  it("computes character-level BLEU in Chinese by hand", () => {
    // 我喜欢猫 vs 我喜欢狗: p1 = 3/4, p2 = 2/3, p3 = 1/2, p4 = ε/1 = 0.1; BP = 1 → (0.025)^(1/4) = 0.397635.
    expect(sentenceBleu(tokenize("我喜欢猫"), [tokenize("我喜欢狗")])).toBeCloseTo(0.3976353643835, 10);
  });

  it("computes self-BLEU by hand: each turn against the others", () => {
    // A = 我喜欢猫, B = 我喜欢狗, C = 你好. A vs {B, C} = 0.397635 (as above; closest ref length 4 → BP 1);
    // B vs {A, C} likewise; C shares no character with A or B → 0. Mean = 2 · 0.397635 / 3 = 0.265090.
    const r = selfBleu(["我喜欢猫", "我喜欢狗", "你好"].map((t) => tokenize(t)));
    expect(r.perSequence[0]).toBeCloseTo(0.3976353643835, 10);
    expect(r.perSequence[2]).toBe(0);
    expect(r.mean).toBeCloseTo(0.2650902429223, 10);
    expect(selfBleu([["a"]]).mean).toBeNaN();
  });

  const turns = fc.array(fc.array(fc.constantFrom("a", "b", "c", "d", "的"), { maxLength: 9 }), {
    minLength: 2,
    maxLength: 7,
  });

  it("the linear-time self-BLEU equals the naive all-pairs computation (property)", () => {
    fc.assert(
      fc.property(turns, (seqs) => {
        const fast = selfBleu(seqs);
        seqs.forEach((s, i) => {
          const naive = sentenceBleu(
            s,
            seqs.filter((_, j) => j !== i),
          );
          expect(fast.perSequence[i]).toBeCloseTo(naive, 12);
        });
      }),
      { numRuns: 200 },
    );
  });

  it("the rolling window equals naive BLEU against the previous W turns (property)", () => {
    fc.assert(
      fc.property(turns, fc.integer({ min: 1, max: 4 }), (seqs, window) => {
        const rolling = createSelfBleuWindow({ window });
        seqs.forEach((s, i) => {
          const score = rolling.push(s);
          if (i === 0) expect(score).toBeNaN();
          else expect(score).toBeCloseTo(sentenceBleu(s, seqs.slice(Math.max(0, i - window), i)), 12);
        });
      }),
      { numRuns: 200 },
    );
  });

  it("rejects bad settings", () => {
    expect(() => sentenceBleu(["a"], [])).toThrow(/reference/);
    expect(() => selfBleu([["a"], ["b"]], { maxN: 0 })).toThrow(/maxN/);
    expect(() => createSelfBleuWindow({ window: 0 })).toThrow(/window/);
  });
});

describe("repeated n-grams", () => {
  it("computes within-turn repetition (seq-rep-n) by hand", () => {
    // a b a b a b: 5 bigrams, 2 distinct → 1 − 2/5 = 0.6.
    expect(repeatedNgramRate(["a", "b", "a", "b", "a", "b"], 2)).toBeCloseTo(0.6, 12);
    expect(repeatedNgrams(tokenize("哈哈哈哈"), 2)).toEqual([{ tokens: ["哈", "哈"], count: 3 }]);
    expect(repeatedNgramRate(["a"], 2)).toBeNaN();
  });

  it("measures cross-turn repetition against a window, in English and Chinese", () => {
    const en = createNgramHistory({ n: 3, window: 5 });
    expect(en.push(tokenize("We walk to the old castle.")).rate).toBe(0);
    // Trigrams of turn 2: we walk to ✓, walk to the ✓, to the river ✗ → 2/3.
    const second = en.push(tokenize("We walk to the river."));
    expect(second.rate).toBeCloseTo(2 / 3, 12);
    expect(second.repeated).toEqual([
      ["we", "walk", "to"],
      ["walk", "to", "the"],
    ]);
    const zh = createNgramHistory({ n: 3 });
    zh.push(tokenize("我们走进城堡"));
    // 我们走 ✓, 们走进 ✓, 走进森 ✗, 进森林 ✗ → 2/4.
    expect(zh.push(tokenize("我们走进森林")).rate).toBeCloseTo(0.5, 12);
  });

  it("forgets turns that left the window", () => {
    const h = createNgramHistory({ n: 2, window: 1 });
    h.push(["a", "b"]);
    h.push(["c", "d"]);
    expect(h.push(["a", "b"]).rate).toBe(0); // "a b" left with the first turn
    expect(h.push(["a", "b"]).rate).toBe(1);
  });
});

describe("compressionRatio", () => {
  it("is UTF-8 bytes over gzip bytes, higher for repetitive text", () => {
    const text = "The bell rang twice. ".repeat(40);
    expect(compressionRatio(text)).toBeCloseTo(Buffer.byteLength(text) / gzipSync(text, { level: 9 }).length, 12);
    const varied =
      tokenize("a b c").length === 3
        ? Array.from({ length: 40 }, (_, i) => `Line ${i * 7919} of ${i ** 3}`).join(" ")
        : "";
    expect(compressionRatio(text)).toBeGreaterThan(2 * compressionRatio(varied));
    // A Chinese character is 3 UTF-8 bytes; arrays are joined with newlines.
    expect(compressionRatio(["你", "好"])).toBeCloseTo(7 / gzipSync("你\n好", { level: 9 }).length, 12);
    expect(compressionRatio("")).toBeNaN();
    expect(() => compressionRatio("x", { level: 10 })).toThrow(/level/);
  });
});
