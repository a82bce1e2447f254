// Characters of scripts written without spaces count one token each; other text counts ~4 characters per token.
const DENSE_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/gu;

/**
 * A tokenizer-free token estimate for lore budgets: CJK/Thai characters count 1 each (BPE tokenizers spend about
 * one token per Han character), everything else 1 per 4 characters. Pass a real tokenizer through
 * `LoreScanInput.countTokens` when exact budgets matter.
 */
export function estimateTokens(text: string): number {
  if (text.length === 0) return 0;
  const dense = text.match(DENSE_SCRIPT)?.length ?? 0;
  return dense + Math.ceil((text.length - dense) / 4);
}
