// The charts are built as strings with no browser at hand, so label room is planned from an estimate of text width.
// The estimate errs wide (per-character widths above those of common sans-serif fonts) so a label never overflows.

/** Width of one character in ems: wide (CJK, fullwidth, emoji) 1, capitals and m/w 0.8, narrow marks 0.35. */
function charEms(ch: string): number {
  const code = ch.codePointAt(0)!;
  if (
    code >= 0x1100 &&
    /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Extended_Pictographic}\uff00-\uffef\u3000-\u303f]/u.test(
      ch,
    )
  )
    return 1;
  if (/[ilj.,:;'|!()[\]{} ]/.test(ch)) return 0.35;
  if (/[A-Z@%&mwMW]/.test(ch)) return 0.8;
  return 0.62;
}

/** Estimated rendered width in pixels of `text` at `fontSize` px (an upper bound for usual sans-serif fonts). */
export function estimateTextWidth(text: string, fontSize: number): number {
  let ems = 0;
  for (const ch of text) ems += charEms(ch);
  return ems * fontSize;
}

/**
 * `text` shortened with "…" in the middle so that its estimated width fits `maxWidth`; unchanged when it fits.
 * The middle goes because model names share a prefix (organisation, family) and differ at the end (version, quant).
 */
export function fitText(text: string, maxWidth: number, fontSize: number): string {
  if (estimateTextWidth(text, fontSize) <= maxWidth) return text;
  const chars = [...text];
  const budget = maxWidth - estimateTextWidth("…", fontSize);
  let head = 0;
  let used = 0;
  while (head < chars.length && used + charEms(chars[head]!) * fontSize <= budget * 0.45)
    used += charEms(chars[head++]!) * fontSize;
  let tail = chars.length;
  while (tail > head && used + charEms(chars[tail - 1]!) * fontSize <= budget)
    used += charEms(chars[--tail]!) * fontSize;
  return `${chars.slice(0, head).join("")}…${chars.slice(tail).join("")}`;
}
