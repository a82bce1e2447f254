import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { charNgrams, ngramCounts, ngrams, segmentWords, tokenize } from "../../src/text/index.ts";
import { createNgramEncoder } from "../../src/text/ngram-encoder.ts";

describe("tokenize", () => {
  it("splits English into lowercase words, keeping inner apostrophes and dropping punctuation", () => {
    expect(tokenize('She didn\'t smile. "Run!" he said—twice, at 3pm.')).toEqual([
      "she",
      "didn't",
      "smile",
      "run",
      "he",
      "said",
      "twice",
      "at",
      "3pm",
    ]);
    expect(tokenize("Rock ’n’ roll", { lowercase: false })).toEqual(["Rock", "n", "roll"]);
  });

  it("makes every Han and kana character a token and keeps Latin words whole in mixed text", () => {
    expect(tokenize("我们走进了城堡，OK吗？")).toEqual(["我", "们", "走", "进", "了", "城", "堡", "ok", "吗"]);
    expect(tokenize("コーヒーを飲む")).toEqual(["コ", "ー", "ヒ", "ー", "を", "飲", "む"]);
    expect(tokenize("Привет, мир! 안녕 하세요")).toEqual(["привет", "мир", "안녕", "하세요"]);
  });

  it("segments Chinese and Japanese into words with Intl.Segmenter when asked", () => {
    const zh = tokenize("我们走进了古老的城堡", { cjk: "word", lang: "zh" });
    expect(zh).toContain("我们");
    expect(zh).toContain("城堡");
    expect(zh.join("")).toBe("我们走进了古老的城堡");
    expect(segmentWords("東京へ行きました", "ja")).toContain("東京");
    // Space-delimited languages use the word rule, unchanged in case.
    expect(segmentWords("Hello there", "en")).toEqual(["Hello", "there"]);
    expect(() => segmentWords("你好", "zh-!!")).toThrow(/language tag/);
  });

  it("gives the encoder exactly the tokens `tokenize` gives (property)", () => {
    const alphabet = fc.constantFrom(..."ab Z'’.,!我们的城堡コーヒ안녕é\u0301Я1２😀".split(""), "\ud840\udc00");
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }), (chars) => {
        const text = chars.join("");
        const encoder = createNgramEncoder(1);
        const encoded = encoder.encodeText(text);
        const viaIds = Array.from(encoded.grams[0] as Int32Array, (id) => encoder.tokensOf(1, id)[0]);
        expect(viaIds).toEqual(tokenize(text));
        // Encoding the tokens again maps them to the same ids.
        expect(Array.from(encoder.encodeTokens(tokenize(text)).grams[0] as Int32Array)).toEqual(
          Array.from(encoded.grams[0] as Int32Array),
        );
      }),
    );
  });
});

describe("n-grams", () => {
  it("builds word and character n-grams", () => {
    expect(ngrams(["a", "b", "c"], 2).length).toBe(2);
    expect(ngrams(["a"], 2)).toEqual([]);
    expect(ngramCounts(["a", "b", "a", "b"], 2).get(ngrams(["a", "b"], 2)[0] as string)).toBe(2);
    // Character n-grams lowercase, collapse whitespace, and count code points (the emoji is one character).
    expect(charNgrams("Ab  😀c", 2)).toEqual(["ab", "b ", " 😀", "😀c"]);
    expect(charNgrams("好好学习", 2)).toEqual(["好好", "好学", "学习"]);
    expect(() => ngrams(["a"], 0)).toThrow(/positive integer/);
  });

  it("recovers n-gram tokens from encoder ids", () => {
    const encoder = createNgramEncoder(3);
    const turn = encoder.encodeText("the old castle gate");
    expect(encoder.tokensOf(3, (turn.grams[2] as Int32Array)[1] as number)).toEqual(["old", "castle", "gate"]);
    const zh = encoder.encodeText("城堡的门");
    expect(encoder.tokensOf(2, (zh.grams[1] as Int32Array)[0] as number)).toEqual(["城", "堡"]);
    expect(encoder.size(1)).toBe(8);
  });
});
