import type { VerificationStatus } from "./flag.ts";

const DOUBLE_QUOTES = /[\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u300c\u300d\u300e\u300f\uff02\u301d\u301e]/g;
const SINGLE_QUOTES = /[\u2018\u2019\u201a\u201b\u2032\u2039\u203a\uff07`]/g;
const ELLIPSIS = /(?:\u2026|\.{3,}|\u22ef)/;

/**
 * Normalise text for quote matching: Unicode NFKC, every kind of quotation mark folded to `"` or `'`, whitespace
 * collapsed, and JSON escapes undone (the judge sees turn text JSON-encoded, so it may quote `\"` or `\n`).
 * Case and wording are kept: a paraphrase is not a quote.
 */
export function normalizeForQuote(text: string): string {
  return text
    .replace(/\\(["'\\/])/g, "$1")
    .replace(/\\[nrt]/g, " ")
    .normalize("NFKC")
    .replace(DOUBLE_QUOTES, '"')
    .replace(SINGLE_QUOTES, "'")
    .replace(/\s+/g, " ")
    .trim();
}

/** Pieces of a quote between elisions ("a … b"), each normalised, empties and lone quote marks dropped. */
function quotePieces(quote: string): string[] {
  return normalizeForQuote(quote)
    .split(ELLIPSIS)
    .map((piece) =>
      piece
        .trim()
        .replace(/^["']+|["']+$/g, "")
        .trim(),
    )
    .filter((piece) => piece.length > 0);
}

/**
 * True when the quote occurs in the text after normalisation. An elided quote ("I will … tomorrow") matches when
 * its pieces occur in order. A quote with no content never matches.
 */
export function quoteOccursIn(quote: string, text: string): boolean {
  const pieces = quotePieces(quote);
  if (pieces.length === 0) return false;
  const haystack = normalizeForQuote(text);
  let from = 0;
  for (const piece of pieces) {
    const at = haystack.indexOf(piece, from);
    if (at < 0) return false;
    from = at + piece.length;
  }
  return true;
}

/** A turn as quote checking needs it. */
export interface QuotableTurn {
  role: "ai" | "user";
  round: number;
  text: string;
}

/** The result of checking one flag's evidence. */
export interface QuoteCheck {
  status: VerificationStatus;
  foundAtRound?: number;
}

/**
 * Check a flag's quote against the round it cites. `scoredRounds` are the NPC rounds the flag may cite (the
 * chunk being judged); `turns` may include context turns, which are searched only to tell the judge's mis-citation
 * (`wrong_round`, with the round where the quote really is) apart from a hallucinated quote.
 */
export function checkQuote(
  flag: { round: number; quote: string },
  turns: readonly QuotableTurn[],
  scoredRounds: ReadonlySet<number>,
): QuoteCheck {
  if (quotePieces(flag.quote).length === 0) return { status: "empty_quote" };
  const cited = turns.find((t) => t.round === flag.round);
  if (cited && cited.role !== "ai") return { status: "not_npc_turn" };
  if (!scoredRounds.has(flag.round)) return { status: "round_out_of_scope" };
  if (cited && quoteOccursIn(flag.quote, cited.text)) return { status: "ok" };
  const elsewhere = turns.find((t) => t.role === "ai" && t.round !== flag.round && quoteOccursIn(flag.quote, t.text));
  return elsewhere ? { status: "wrong_round", foundAtRound: elsewhere.round } : { status: "quote_not_found" };
}
