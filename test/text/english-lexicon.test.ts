import { describe, expect, it } from "vitest";
import { englishLexicon, unknownEnglishWords } from "../../src/text/index.ts";

describe("English lexicon", () => {
  it("knows everyday and literary word forms, inflections included", () => {
    const lexicon = englishLexicon();
    expect(lexicon.size).toBeGreaterThan(70_000);
    for (const w of ["the", "lighthouse", "walked", "whispering", "oilskin", "ledger", "cartographer"])
      expect(lexicon.has(w), w).toBe(true);
    for (const w of ["replake", "grashanks", "studgeed", "birdieper"]) expect(lexicon.has(w), w).toBe(false);
  });

  it("checks only lowercase prose words: not names, contractions, emphasis, code, URLs or glued fragments", () => {
    const text =
      "Grashanks said Elowen couldn't go. Sooo tired, hmmm. Run `npm frobnicate` or see https://example.com/zorbix, x2zzq and café fröbel; a peop replake.";
    const { unknown, counted } = unknownEnglishWords(text);
    expect(unknown).toEqual(["peop", "replake"]);
    expect(counted).toBeGreaterThan(3);
    expect(unknownEnglishWords("the vrenn sleeps", new Set(["vrenn"])).unknown).toEqual([]);
    expect(unknownEnglishWords("")).toEqual({ counted: 0, unknown: [] });
  });
});
