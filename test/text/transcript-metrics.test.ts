import { describe, expect, it } from "vitest";
import { compressionRatio, createTranscriptMetrics, distinctN, selfBleu, tokenize } from "../../src/text/index.ts";

const english = [
  "The innkeeper wiped the counter and asked what brought you to the valley.",
  "Rain hammered the shutters while the bard tuned a cracked lute by the fire.",
  "I cannot tell you that, traveller. Some doors are better left closed.",
  "The innkeeper wiped the counter and asked what brought you to the valley!",
  "She set a bowl of stew before you, 你好, and smiled for the first time.",
];

describe("createTranscriptMetrics", () => {
  it("reports per-turn signals: a repeated turn, a language switch, lengths", () => {
    const m = createTranscriptMetrics({ lang: "en", window: 20 });
    const turns = english.map((t) => m.push(t));
    expect(turns.map((t) => t.length)).toEqual(english.map((t) => tokenize(t).length));
    expect(turns[3]?.nearDuplicates).toEqual([{ index: 0, similarity: 1 }]);
    expect(turns[3]?.repeatedNgramRate).toBe(1);
    expect(turns[3]?.selfBleu).toBeCloseTo(1, 12);
    expect(turns[0]?.selfBleu).toBeNaN();
    expect(turns[4]?.languageMix.spans.map((s) => s.text)).toEqual(["你好"]);
    expect(turns[1]?.nearDuplicates).toEqual([]);
    // Within-turn distinct-1 of turn 0: 13 tokens, "the" ×3 → 11 distinct.
    expect(turns[0]?.distinct1).toBeCloseTo(11 / 13, 12);
  });

  it("summarises consistently with the standalone functions", () => {
    const m = createTranscriptMetrics({ lang: "en" });
    for (const t of english) m.push(t);
    const s = m.summary();
    const tokens = english.map((t) => tokenize(t));
    expect(s.turns).toBe(5);
    expect(s.distinct1).toBeCloseTo(distinctN(tokens, 1).ratio, 12);
    expect(s.distinct2).toBeCloseTo(distinctN(tokens, 2).ratio, 12);
    expect(s.distinct3).toBeCloseTo(distinctN(tokens, 3).ratio, 12);
    expect(s.selfBleu).toBeCloseTo(selfBleu(tokens).mean, 12);
    expect(s.compressionRatio).toBeCloseTo(compressionRatio(english), 12);
    expect(s.nearDuplicatePairs).toEqual([{ first: 0, second: 3, similarity: 1 }]);
    expect(s.lengthTrend?.slope).toBeTypeOf("number");
    // Without rolling self-BLEU the per-turn value is NaN, and the summary is unchanged.
    const quiet = createTranscriptMetrics({ lang: "en", rollingSelfBleu: false });
    for (const t of english) expect(quiet.push(t).selfBleu).toBeNaN();
    expect(quiet.summary()).toEqual(s);
  });

  it("handles Chinese turns with characters as tokens, or Intl.Segmenter words", () => {
    const zh = ["她推开门，看见了大海。", "他说：I don't know，然后走了。", "她推开门，看见了大海！"];
    const chars = createTranscriptMetrics({ lang: "zh" });
    const out = zh.map((t) => chars.push(t));
    expect(out[0]?.length).toBe(9);
    expect(out[1]?.languageMix.spans[0]?.text).toBe("I don't know");
    expect(out[2]?.nearDuplicates[0]).toEqual({ index: 0, similarity: 1 });
    const words = createTranscriptMetrics({ lang: "zh", cjk: "word" });
    expect(words.push(zh[0] as string).length).toBeLessThan(9);
    expect(createTranscriptMetrics({ lang: "zh" }).summary()).toMatchObject({ turns: 0, lengthTrend: null });
  });
});

describe("createTranscriptMetrics, reused", () => {
  const chinese = [
    "她推开门，看见了大海。",
    "他说：I don't know，然后走了。",
    "她推开门，看见了大海！",
    "城堡的门开着。",
  ];
  /** Everything a turn reports, as plain data (the token ids by value). */
  const plain = (m: ReturnType<ReturnType<typeof createTranscriptMetrics>["push"]>) => ({
    ...m,
    tokenIds: Array.from(m.tokenIds),
    repeatedNgrams: m.repeatedNgrams,
  });

  it("gives, after reset(), exactly what a fresh analyser gives", () => {
    for (const lean of [false, true]) {
      const options = { lang: "en", rollingSelfBleu: !lean, window: 2 };
      const reused = createTranscriptMetrics(options);
      for (const t of [...chinese, ...english]) reused.push(t);
      reused.summary();
      reused.reset();
      const fresh = createTranscriptMetrics(options);
      for (const t of english) expect(plain(reused.push(t))).toEqual(plain(fresh.push(t)));
      expect(reused.summary()).toEqual(fresh.summary());
    }
  });

  it("leaves the metrics it returned before a reset as they were", () => {
    const m = createTranscriptMetrics({ lang: "en" });
    m.push(english[0] as string);
    const repeat = m.push(english[3] as string);
    const before = structuredClone({ ...repeat, tokenIds: undefined });
    expect(repeat.repeatedNgrams.length).toBeGreaterThan(0);
    m.reset();
    for (const t of [...chinese, ...english]) m.push(t);
    expect({ ...repeat, tokenIds: undefined }).toEqual(before);
  });

  it("numbers tokens once per transcript: tokenIds map back to the turn's tokens", () => {
    const m = createTranscriptMetrics({ lang: "zh" });
    const turns = chinese.map((t) => m.push(t));
    turns.forEach((turn, i) => {
      expect(Array.from(turn.tokenIds, (id) => m.tokenText(id))).toEqual(tokenize(chinese[i] as string));
    });
    // Turn 2 repeats turn 0 up to its last punctuation: the same tokens get the same ids.
    expect(Array.from(turns[2]?.tokenIds ?? [])).toEqual(Array.from(turns[0]?.tokenIds ?? []));
  });
});
