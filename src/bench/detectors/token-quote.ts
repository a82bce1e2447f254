const WORD = /[\p{L}\p{N}]/u;

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && (ch.charCodeAt(0) < 128 ? /[A-Za-z0-9]/.test(ch) : WORD.test(ch));
}

/**
 * Find the verbatim text of a token sequence (lowercased, punctuation-free, as src/text tokenizes) in the turn it
 * came from, so a repetition flag can quote the turn exactly: each token must follow the previous one with at most
 * four non-word characters between them. Undefined when it cannot be found. No regex is built (this runs inside
 * the 20k-turns-per-second detector budget).
 */
export function locateTokens(text: string, tokens: readonly string[]): string | undefined {
  if (tokens.length === 0) return undefined;
  const lower = text.toLowerCase();
  const first = tokens[0]!;
  for (let start = lower.indexOf(first); start >= 0; start = lower.indexOf(first, start + 1)) {
    let end = start + first.length;
    let ok = true;
    for (let i = 1; i < tokens.length && ok; i++) {
      let gap = 0;
      while (end < lower.length && !isWordChar(lower[end]) && gap <= 4) {
        end++;
        gap++;
      }
      const token = tokens[i]!;
      if (gap > 4 || !lower.startsWith(token, end)) ok = false;
      else end += token.length;
    }
    // toLowerCase can change lengths only for a few scripts; fall back to the lowercased span's offsets anyway.
    if (ok) return text.slice(start, end);
  }
  return undefined;
}
