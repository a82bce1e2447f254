// The script rules as code-point ranges: the definition the per-code-point table (code-point-props.ts) is built
// from, and the path for astral code points, which the table does not cover.
const LETTER = /\p{L}/u;
const isLetter = (cp: number): boolean => LETTER.test(String.fromCodePoint(cp));

// Script codes index SCRIPT_NAMES (script.ts); 0 is reserved for "no script" so arrays of codes can use 0 as the empty value.
/** Internal numeric script codes: SCRIPT_NAMES[code − 1]; 0 = no script. */
export const Script = {
  None: 0,
  Han: 1,
  Kana: 2,
  Hangul: 3,
  Latin: 4,
  Cyrillic: 5,
  Greek: 6,
  Arabic: 7,
  Hebrew: 8,
  Devanagari: 9,
  Thai: 10,
  Other: 11,
} as const;
/** A numeric script code. */
export type Script = (typeof Script)[keyof typeof Script];

/**
 * The script code of a code point (see `scriptOf`) from hand-written ranges rather than `\p{Script=…}` regexes;
 * blocks shared by letters and other characters fall back to a `\p{L}` test.
 */
export function scriptCodeByRange(cp: number): Script {
  if (cp < 0x80) return (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x41 && cp <= 0x5a) ? Script.Latin : Script.None;
  if (cp >= 0x4e00 && cp <= 0x9fff) return Script.Han;
  if (cp >= 0x3040 && cp <= 0x30ff) return cp === 0x30fb || cp === 0x30a0 ? Script.None : Script.Kana;
  if (cp >= 0xac00 && cp <= 0xd7af) return Script.Hangul;
  if (cp <= 0x24f) {
    return (cp >= 0xc0 && cp !== 0xd7 && cp !== 0xf7) || cp === 0xaa || cp === 0xba ? Script.Latin : Script.None;
  }
  if (cp <= 0x2af) return Script.Latin; // IPA extensions
  if (cp >= 0x370 && cp <= 0x3ff) return isLetter(cp) ? Script.Greek : Script.None;
  if ((cp >= 0x400 && cp <= 0x52f) || (cp >= 0x1c80 && cp <= 0x1c8f) || (cp >= 0xa640 && cp <= 0xa69f)) {
    return isLetter(cp) ? Script.Cyrillic : Script.None;
  }
  if (cp >= 0x590 && cp <= 0x5ff) return isLetter(cp) ? Script.Hebrew : Script.None;
  if ((cp >= 0x600 && cp <= 0x6ff) || (cp >= 0x750 && cp <= 0x77f) || (cp >= 0x8a0 && cp <= 0x8ff)) {
    return isLetter(cp) ? Script.Arabic : Script.None;
  }
  if (cp >= 0x900 && cp <= 0x97f) return isLetter(cp) ? Script.Devanagari : Script.None;
  if (cp >= 0xe00 && cp <= 0xe7f) return isLetter(cp) ? Script.Thai : Script.None;
  if ((cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0x3130 && cp <= 0x318f) || (cp >= 0xa960 && cp <= 0xa97f)) {
    return Script.Hangul;
  }
  if (cp >= 0x1e00 && cp <= 0x1eff) return Script.Latin;
  if (cp >= 0x1f00 && cp <= 0x1fff) return isLetter(cp) ? Script.Greek : Script.None;
  if (
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2e80 && cp <= 0x2fdf) ||
    (cp >= 0x20000 && cp <= 0x3134f) ||
    cp === 0x3005 ||
    cp === 0x3007
  ) {
    return Script.Han;
  }
  if ((cp >= 0x31f0 && cp <= 0x31ff) || (cp >= 0xff66 && cp <= 0xff9f) || (cp >= 0x1b000 && cp <= 0x1b16f)) {
    return Script.Kana;
  }
  if ((cp >= 0xff21 && cp <= 0xff3a) || (cp >= 0xff41 && cp <= 0xff5a) || (cp >= 0x2c60 && cp <= 0x2c7f)) {
    return Script.Latin;
  }
  if (cp >= 0xa720 && cp <= 0xa7ff) return Script.Latin;
  if (cp >= 0xffa0 && cp <= 0xffdc) return Script.Hangul;
  if (cp >= 0xfb1d && cp <= 0xfb4f) return isLetter(cp) ? Script.Hebrew : Script.None;
  if ((cp >= 0xfb50 && cp <= 0xfdff) || (cp >= 0xfe70 && cp <= 0xfeff)) {
    return isLetter(cp) ? Script.Arabic : Script.None;
  }
  return isLetter(cp) ? Script.Other : Script.None;
}
