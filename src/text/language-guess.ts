import type { ScriptName } from "./script.ts";
import { type ScriptCounts, scriptCounts } from "./script-mix.ts";

/** A best guess at a text's language from its scripts. */
export interface LanguageGuess {
  /**
   * "zh", "ja", "ko", "en", "el", "he", "th" where the script decides it; "latin", "cyrillic", "arabic" or
   * "devanagari" when the script is shared by many languages and the text is not recognisably English; "und" when
   * the text has no letters.
   */
  language: string;
  /** The script with the most letters (null without letters). */
  script: ScriptName | null;
  /** Share of letters in that script (for "en": additionally scaled by the English function-word evidence). */
  confidence: number;
  /** Letters per script. */
  scripts: ScriptCounts;
}

// The most frequent English function words; in running English prose they are roughly 40% of the tokens, while
// in French, Spanish or German they are a few percent (mostly "a", "in", "on").
const ENGLISH = new Set(
  "the of and to a in is it you that he was for on are with as i his they be at one have this from or had by not but what all were we when your can said there use an each which she do how their if will up other about out many then them these so some her would make like him into has look two more write go see no way could my than first been call who its now find long down day did get come made may part me".split(
    " ",
  ),
);

/**
 * Guess the language of a text, enough to check "is this turn in the scenario's language": Han with kana is
 * Japanese (kana ≥ 20% of the CJK letters), Han alone Chinese, Hangul Korean; Latin text is called English only when
 * at least 15% of its words are common English function words, otherwise "latin".
 */
export function guessLanguage(text: string): LanguageGuess {
  const scripts = scriptCounts(text);
  const total = Object.values(scripts).reduce((s, c) => s + c, 0);
  if (total === 0) return { language: "und", script: null, confidence: 0, scripts };
  const han = scripts.han ?? 0;
  const kana = scripts.kana ?? 0;
  // Han and kana vote together: Japanese mixes them, and which one "wins" says nothing about the language.
  const groups: Array<[ScriptName, number]> = Object.entries(scripts).map(([s, c]) => [s as ScriptName, c as number]);
  groups.push(["han", han + kana]);
  groups.sort((a, b) => b[1] - a[1]);
  const [script, count] = groups[0] as [ScriptName, number];
  const share = Math.min(1, count / total);
  switch (script) {
    case "han":
    case "kana":
      return kana >= 0.2 * (han + kana)
        ? { language: "ja", script: "kana", confidence: share, scripts }
        : { language: "zh", script: "han", confidence: share, scripts };
    case "hangul":
      return { language: "ko", script, confidence: share, scripts };
    case "greek":
      return { language: "el", script, confidence: share, scripts };
    case "hebrew":
      return { language: "he", script, confidence: share, scripts };
    case "thai":
      return { language: "th", script, confidence: share, scripts };
    case "latin": {
      const words = text.toLowerCase().match(/[a-z']+/g) ?? [];
      const english = words.filter((w) => ENGLISH.has(w)).length;
      const evidence = words.length === 0 ? 0 : english / words.length;
      return evidence >= 0.15
        ? { language: "en", script, confidence: share * Math.min(1, evidence / 0.3), scripts }
        : { language: "latin", script, confidence: share, scripts };
    }
    default:
      return { language: script, script, confidence: share, scripts };
  }
}
