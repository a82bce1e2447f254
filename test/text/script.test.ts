import { describe, expect, it } from "vitest";
import { codePointProps, LETTER, MARK_OR_NUMBER, SYMBOL_OR_OTHER } from "../../src/text/code-point-props.ts";
import { expectedScripts, guessLanguage, languageMix, scriptCounts, scriptOf } from "../../src/text/index.ts";
import { scriptCode } from "../../src/text/script.ts";
import { scriptCodeByRange } from "../../src/text/script-ranges.ts";

describe("scriptOf", () => {
  it("classifies letters by script and leaves digits, punctuation and emoji without one", () => {
    const cases: Array<[string, string | null]> = [
      ["a", "latin"],
      ["é", "latin"],
      ["我", "han"],
      ["々", "han"],
      ["の", "kana"],
      ["カ", "kana"],
      ["ー", "kana"],
      ["한", "hangul"],
      ["Ж", "cyrillic"],
      ["λ", "greek"],
      ["ش", "arabic"],
      ["ש", "hebrew"],
      ["क", "devanagari"],
      ["ก", "thai"],
      ["𠀀", "han"],
      ["ა", "other"],
      ["7", null],
      ["，", null],
      ["。", null],
      ["😀", null],
      [" ", null],
    ];
    for (const [ch, script] of cases) expect([ch, scriptOf(ch.codePointAt(0) as number)]).toEqual([ch, script]);
  });

  it("counts letters per script", () => {
    expect(scriptCounts("Hi 你好!")).toEqual({ latin: 2, han: 2 });
  });
});

describe("languageMix", () => {
  it("measures English inside a Chinese turn and returns the span to quote", () => {
    // Letters: 我 想 说 (3 Han) + I, d o n t, k n o w (9 Latin) + 吧 (1 Han) = 13; foreign 9 → 9/13 = 0.6923.
    const mix = languageMix("我想说 I don't know 吧。", "zh");
    expect(mix.letters).toBe(13);
    expect(mix.foreignLetters).toBe(9);
    expect(mix.foreignRatio).toBeCloseTo(9 / 13, 12);
    expect(mix.byScript).toEqual({ latin: 9 });
    expect(mix.spans).toEqual([{ start: 4, end: 16, text: "I don't know", script: "latin", letters: 9 }]);
  });

  it("measures Chinese inside an English turn", () => {
    // She(3) said(4) 你好(2 Han) and(3) smiled(6) = 18 letters; foreign 2 → 2/18.
    const mix = languageMix("She said 你好 and smiled.", "en");
    expect(mix.letters).toBe(18);
    expect(mix.foreignRatio).toBeCloseTo(2 / 18, 12);
    expect(mix.spans[0]).toMatchObject({ text: "你好", script: "han", letters: 2 });
  });

  it("ignores short spans on request, allows extra scripts, and treats kana as Japanese", () => {
    expect(languageMix("穿上T恤，说OK。", "zh", { minSpanLetters: 3 }).foreignLetters).toBe(0);
    expect(languageMix("穿上T恤，说OK。", "zh").foreignLetters).toBe(3);
    expect(languageMix("I met Алиса", "en", { allow: ["cyrillic"] }).foreignRatio).toBe(0);
    expect(languageMix("これは本です", "ja").foreignRatio).toBe(0);
    expect(languageMix("これは本です", "zh").foreignLetters).toBe(5); // kana are foreign in Chinese
    expect(languageMix("123 !!", "en")).toMatchObject({ letters: 0, foreignRatio: 0, spans: [] });
    expect(expectedScripts("zh-Hant")).toEqual(["han"]);
    expect(expectedScripts("ko")).toEqual(["hangul", "han"]);
    expect(expectedScripts("fr")).toEqual(["latin"]);
  });
});

describe("guessLanguage", () => {
  it("tells apart the languages a scenario check needs", () => {
    expect(guessLanguage("我们走进了那座古老的城堡。").language).toBe("zh");
    expect(guessLanguage("私は昨日東京へ行きました。").language).toBe("ja");
    expect(guessLanguage("안녕하세요, 반갑습니다").language).toBe("ko");
    expect(guessLanguage("She looked at the door and smiled at him.").language).toBe("en");
    expect(guessLanguage("Der Hund läuft schnell über die Straße").language).toBe("latin");
    expect(guessLanguage("Привет, как дела?").language).toBe("cyrillic");
    expect(guessLanguage("12345 !!!")).toMatchObject({ language: "und", script: null, confidence: 0 });
  });

  it("reports the dominant script's share as confidence", () => {
    const g = guessLanguage("这是一个 test 吗");
    expect(g.language).toBe("zh");
    expect(g.confidence).toBeCloseTo(5 / 9, 12); // 5 Han (这是一个吗) of 9 letters
    expect(guessLanguage("这是 test 吗").language).toBe("latin"); // 3 Han against 4 Latin letters
  });
});

describe("script and character tables", () => {
  it("answer exactly as the range rules and property regexes for every BMP code point", () => {
    for (let cp = 0; cp < 0x10000; cp++) {
      if (scriptCode(cp) !== scriptCodeByRange(cp)) expect([cp, scriptCode(cp)]).toEqual([cp, scriptCodeByRange(cp)]);
    }
    const ch = (cp: number) => String.fromCodePoint(cp);
    for (let cp = 0; cp < 0x10000; cp += 7) {
      const props = codePointProps(cp);
      expect([cp, (props & LETTER) !== 0]).toEqual([cp, /\p{L}/u.test(ch(cp))]);
      expect([cp, (props & SYMBOL_OR_OTHER) !== 0]).toEqual([cp, /[\p{S}\p{C}]/u.test(ch(cp))]);
      expect([cp, (props & MARK_OR_NUMBER) !== 0]).toEqual([cp, /[\p{M}\p{N}]/u.test(ch(cp))]);
    }
    expect(scriptOf(0x1f600)).toBeNull(); // astral code points take the range rules
  });
});
