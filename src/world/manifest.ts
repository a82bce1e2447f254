import type { ScoreParts } from "./retrieval.ts";

/** What kind of thing a prompt item is. */
export type ManifestKind =
  | "instruction"
  | "card"
  | "persona"
  | "lore"
  | "knowledge"
  | "hook"
  | "memory"
  | "summary"
  | "recent"
  | "time";

/** One candidate for the prompt, included or not, and why. */
export interface ManifestItem {
  kind: ManifestKind;
  /** A stable id: a fact, event, lore uid or section name. */
  id: string;
  /** One line of the item's text, for people. */
  preview: string;
  tokens: number;
  included: boolean;
  /** Why it was included or dropped ("lore: key 'Eldoria' in the last message", "budget: 12 tokens left"). */
  reason: string;
  score?: ScoreParts;
}

/**
 * The manifest of one generation: every item that was considered for the speaker's prompt, included or dropped,
 * with the reason — so `/why` can answer "why did she say that?" and two swipes can be diffed.
 */
export interface ContextManifest {
  speaker: string;
  turn: number;
  storyTime: number;
  budget: number;
  used: number;
  items: ManifestItem[];
  /** How the retrieval score was computed (weights and half-lives), for reproducibility. */
  retrieval: {
    weights: { recency: number; importance: number; relevance: number };
    halfLifeTurns: number;
    halfLifeHours: number;
  };
}

/** A budget that records every decision as a manifest item. */
export class BudgetLedger {
  readonly items: ManifestItem[] = [];
  used = 0;

  constructor(readonly budget: number) {}

  /** Always include (instructions, the card); still counted against the budget. */
  force(item: Omit<ManifestItem, "included">): void {
    this.used += item.tokens;
    this.items.push({ ...item, included: true });
  }

  /** Include if it fits; otherwise record it as dropped for budget. Returns whether it was included. */
  offer(item: Omit<ManifestItem, "included">): boolean {
    if (this.used + item.tokens <= this.budget) {
      this.used += item.tokens;
      this.items.push({ ...item, included: true });
      return true;
    }
    this.items.push({
      ...item,
      included: false,
      reason: `dropped: over budget (${this.budget - this.used} of ${this.budget} tokens left, needs ${item.tokens}); ${item.reason}`,
    });
    return false;
  }

  /** Record an item that was not offered at all, with the reason. */
  skip(item: Omit<ManifestItem, "included">): void {
    this.items.push({ ...item, included: false });
  }
}

/** A manifest as readable lines (for `/why` and `world why --turn`). */
export function formatManifest(m: ContextManifest, options: { all?: boolean } = {}): string {
  const lines = [
    `context for ${m.speaker} at turn ${m.turn}: ${m.used}/${m.budget} tokens, ${m.items.filter((i) => i.included).length} items included, ${m.items.filter((i) => !i.included).length} dropped`,
    `retrieval score = ${m.retrieval.weights.recency}·recency + ${m.retrieval.weights.importance}·importance + ${m.retrieval.weights.relevance}·relevance (half-lives ${m.retrieval.halfLifeTurns} turns, ${m.retrieval.halfLifeHours} story hours)`,
  ];
  for (const item of m.items) {
    if (!options.all && !item.included && item.kind === "recent") continue;
    const mark = item.included ? "+" : "-";
    const score = item.score
      ? ` [score ${item.score.total.toFixed(2)} = rec ${item.score.recency.toFixed(2)} + imp ${item.score.importance.toFixed(2)} + rel ${item.score.relevance.toFixed(2)}]`
      : "";
    lines.push(`${mark} ${item.kind.padEnd(11)} ${String(item.tokens).padStart(4)}t  ${item.preview}${score}`);
    lines.push(`    ${item.reason}`);
  }
  return lines.join("\n");
}
