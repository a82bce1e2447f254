import { SCRIPT_NAMES, Script, type ScriptName, scriptCode } from "./script.ts";

/** Letters per script in a text. */
export type ScriptCounts = Partial<Record<ScriptName, number>>;

/** Count the letters of each script in a text (digits, punctuation and symbols are not counted). */
export function scriptCounts(text: string): ScriptCounts {
  const codes = new Int32Array(SCRIPT_NAMES.length + 1);
  forEachCodePoint(text, (cp) => {
    codes[scriptCode(cp)]! += 1;
  });
  const counts: ScriptCounts = {};
  for (let c = 1; c < codes.length; c++)
    if ((codes[c] as number) > 0) counts[SCRIPT_NAMES[c - 1] as ScriptName] = codes[c] as number;
  return counts;
}

/** Calls `visit(codePoint, offset, width)` for each code point (surrogate pairs decoded by hand: faster than for…of). */
function forEachCodePoint(text: string, visit: (cp: number, offset: number, width: number) => void): void {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        visit(((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000, i, 2);
        i++;
        continue;
      }
    }
    visit(cp, i, 1);
  }
}

/**
 * The scripts that belong to a language (BCP 47 primary subtag: "zh", "zh-Hant", "ja", "en"…). Japanese is Han plus
 * kana, Korean is Hangul plus the Hanja that still appears; every language without a listed script is taken to be
 * written in Latin.
 */
export function expectedScripts(lang: string): ScriptName[] {
  const primary = lang.toLowerCase().split(/[-_]/)[0] ?? "";
  switch (primary) {
    case "zh":
    case "yue":
    case "wuu":
      return ["han"];
    case "ja":
      return ["han", "kana"];
    case "ko":
      return ["hangul", "han"];
    case "ru":
    case "uk":
    case "bg":
    case "be":
    case "mk":
    case "kk":
    case "mn":
      return ["cyrillic"];
    case "sr":
      return ["cyrillic", "latin"];
    case "el":
      return ["greek"];
    case "ar":
    case "fa":
    case "ur":
      return ["arabic"];
    case "he":
    case "yi":
      return ["hebrew"];
    case "hi":
    case "mr":
    case "ne":
      return ["devanagari"];
    case "th":
      return ["thai"];
    default:
      return ["latin"];
  }
}

const BY_SCRIPT = new Int32Array(SCRIPT_NAMES.length + 1);
// Script code of each ASCII character (Latin letters; everything else has none).
const ASCII_SCRIPT = Uint8Array.from({ length: 128 }, (_, c) => scriptCode(c));
const SPAN = new Int32Array(SCRIPT_NAMES.length + 1);
const allowedCache = new Map<string, Uint8Array>();

/** Allowed-script flags by script code for a language plus extra scripts (cached per combination). */
function allowedScripts(lang: string, extra: readonly ScriptName[] | undefined): Uint8Array {
  const key = extra && extra.length > 0 ? `${lang}|${extra.join(",")}` : lang;
  let flags = allowedCache.get(key);
  if (!flags) {
    flags = new Uint8Array(SCRIPT_NAMES.length + 1);
    for (const name of [...expectedScripts(lang), ...(extra ?? [])]) flags[SCRIPT_NAMES.indexOf(name) + 1] = 1;
    if (allowedCache.size < 256) allowedCache.set(key, flags);
  }
  return flags;
}

/** A run of text in scripts foreign to the expected language, for quoting in a flag. */
export interface ForeignSpan {
  /** UTF-16 offset where the span starts. */
  start: number;
  /** UTF-16 offset just past the span. */
  end: number;
  /** The span's text (foreign letters plus the spaces and punctuation between them). */
  text: string;
  /** The script of most of the span's letters. */
  script: ScriptName;
  /** Foreign letters in the span. */
  letters: number;
}

/** How much of a text is written in scripts foreign to the expected language. */
export interface LanguageMix {
  /** Letters counted (digits, punctuation and symbols are neutral). */
  letters: number;
  /** Letters in foreign scripts, counting only spans of at least `minSpanLetters`. */
  foreignLetters: number;
  /** foreignLetters / letters; 0 for a text without letters. */
  foreignRatio: number;
  /** Foreign letters per script (same filter). */
  byScript: ScriptCounts;
  /** The foreign spans (same filter), in order. */
  spans: ForeignSpan[];
}

/** Options of `languageMix`. */
export interface LanguageMixOptions {
  /** Scripts allowed besides the language's own (e.g. `["latin"]` to let a zh story use English names freely). */
  allow?: readonly ScriptName[];
  /**
   * Ignore foreign spans with fewer letters than this (default 1: count everything). Chinese and Japanese role-play
   * routinely contains short Latin tokens ("OK", "T恤", "AI"); 3–4 keeps those out while still catching sentences.
   */
  minSpanLetters?: number;
}

/**
 * Script/language mix of a text against the scenario language: which share of its letters are in scripts that do
 * not belong to `lang`, and where they are. A span runs over foreign letters and the spaces, digits and punctuation
 * between them, and ends at the next letter of an expected script, so "我想说 I don't know 吧" yields one span
 * "I don't know".
 */
export function languageMix(text: string, lang: string, options: LanguageMixOptions = {}): LanguageMix {
  const allowed = allowedScripts(lang, options.allow);
  const minSpan = options.minSpanLetters ?? 1;
  let letters = 0;
  let foreignLetters = 0;
  // Scratch counters reused across calls (the function never yields), sparing three allocations per turn.
  const byScriptCodes = BY_SCRIPT.fill(0);
  const spanCodes = SPAN.fill(0);
  const spans: ForeignSpan[] = [];
  let spanStart = -1;
  let spanEnd = -1;
  let spanLetters = 0;
  const close = (): void => {
    if (spanStart >= 0 && spanLetters >= minSpan) {
      let best = 0;
      let script: ScriptName = "other";
      for (let c = 1; c < spanCodes.length; c++) {
        const count = spanCodes[c] as number;
        byScriptCodes[c]! += count;
        if (count > best) {
          best = count;
          script = SCRIPT_NAMES[c - 1] as ScriptName;
        }
      }
      foreignLetters += spanLetters;
      spans.push({
        start: spanStart,
        end: spanEnd,
        text: text.slice(spanStart, spanEnd),
        script,
        letters: spanLetters,
      });
    }
    if (spanStart >= 0) spanCodes.fill(0);
    spanStart = -1;
    spanLetters = 0;
  };
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let cp = text.charCodeAt(i);
    const offset = i;
    let code: number;
    if (cp < 0x80) code = ASCII_SCRIPT[cp] as number;
    else {
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n) {
        const lo = text.charCodeAt(i + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
          i++;
        }
      }
      code = scriptCode(cp);
    }
    if (code === Script.None) continue;
    letters++;
    if (allowed[code] === 1) {
      if (spanStart >= 0) close();
      continue;
    }
    if (spanStart < 0) spanStart = offset;
    spanEnd = i + 1;
    spanLetters++;
    spanCodes[code]! += 1;
  }
  close();
  const byScript: ScriptCounts = {};
  for (let c = 1; c < byScriptCodes.length; c++) {
    if ((byScriptCodes[c] as number) > 0) byScript[SCRIPT_NAMES[c - 1] as ScriptName] = byScriptCodes[c] as number;
  }
  return { letters, foreignLetters, foreignRatio: letters === 0 ? 0 : foreignLetters / letters, byScript, spans };
}
