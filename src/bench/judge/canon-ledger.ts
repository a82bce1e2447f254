import * as z from "zod";

/** What a ledger entry records: a plain fact, a relationship between characters, or a law of the world. */
export const LEDGER_KINDS = ["fact", "relationship", "world_rule"] as const;

/** One established piece of canon, with the round that set it. */
export const LedgerEntrySchema = z.object({
  kind: z.enum(LEDGER_KINDS),
  round: z.number().int().nonnegative(),
  statement: z.string().min(1),
});
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

/** Bounds that keep the ledger compact, so judge input stays linear in the transcript. */
export interface LedgerLimits {
  maxEntries: number;
  maxStatementChars: number;
}

export const DEFAULT_LEDGER_LIMITS: LedgerLimits = { maxEntries: 40, maxStatementChars: 140 };

/**
 * The canon ledger switched off: no entry is ever kept, so each chunk's judge sees only its own turns and the cards.
 * Used by the judge calibration to put a number on what the ledger is worth; a judgement made with it has its own id.
 */
export const LEDGER_OFF: LedgerLimits = { maxEntries: 0, maxStatementChars: 140 };

function key(statement: string): string {
  return statement
    .toLowerCase()
    .replace(/[\s\p{P}]+/gu, " ")
    .trim();
}

/**
 * Add a chunk's new entries to the ledger. Entries citing a round after `lastRound` (the chunk's end) are
 * dropped — canon cannot come from the future — as are duplicates (same statement up to case and punctuation).
 * Over the limit, world rules and relationships are kept and facts are dropped from the middle of the story,
 * keeping the earliest (the ones a long-range contradiction tests) and the latest (the ones in play).
 */
export function mergeLedger(
  ledger: readonly LedgerEntry[],
  additions: readonly LedgerEntry[],
  lastRound: number,
  limits: LedgerLimits = DEFAULT_LEDGER_LIMITS,
): LedgerEntry[] {
  const seen = new Set(ledger.map((e) => key(e.statement)));
  const merged = [...ledger];
  for (const entry of additions) {
    if (entry.round > lastRound) continue;
    const statement = truncate(entry.statement.replace(/\s+/g, " ").trim(), limits.maxStatementChars);
    const k = key(statement);
    if (!k || seen.has(k)) continue;
    seen.add(k);
    merged.push({ kind: entry.kind, round: entry.round, statement });
  }
  merged.sort((a, b) => a.round - b.round);
  const excess = merged.length - limits.maxEntries;
  if (excess <= 0) return merged;
  const facts = merged.map((e, i) => ({ e, i })).filter((x) => x.e.kind === "fact");
  const middle = (facts.length - 1) / 2;
  const drop = new Set(
    facts
      .map((x, rank) => ({ i: x.i, distance: Math.abs(rank - middle) }))
      .sort((a, b) => a.distance - b.distance || a.i - b.i)
      .slice(0, excess)
      .map((x) => x.i),
  );
  const kept = merged.filter((_, i) => !drop.has(i));
  // Only rules and relationships left and still too many: keep the earliest.
  return kept.slice(0, limits.maxEntries);
}

/** The ledger as the compact text block the judge reads: one line per entry, `R6 relationship: …`. */
export function renderLedger(ledger: readonly LedgerEntry[]): string {
  if (ledger.length === 0) return "(empty: nothing established yet beyond the character cards)";
  return ledger.map((e) => `R${e.round} ${e.kind}: ${e.statement}`).join("\n");
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
