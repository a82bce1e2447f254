import type { Price } from "../core/index.ts";
import type { Usage } from "./usage.ts";

/**
 * Prices troupe knows without configuration. Deliberately short: prices change, and a stale built-in price would
 * put a wrong number on every report. Configure the rest under `prices:` (keyed by model id; a trailing `*`
 * matches a prefix) or per named endpoint (`price:`).
 */
export const BUILT_IN_PRICES: Readonly<Record<string, Price>> = {
  // OpenRouter's listing for minimax/minimax-m2-her (reference/role-play-bench.md §3.1), USD per 1M tokens.
  "minimax:M2-her": { input: 0.3, output: 1.2 },
  // Local models cost electricity, not dollars.
  "local:*": { input: 0, output: 0 },
  "fake:*": { input: 0, output: 0 },
};

/** Looks up a model's price. */
export interface PriceTable {
  /** The price for a model id, or undefined when nobody configured one. */
  priceFor(modelId: string): Price | undefined;
}

/** A price table from configured prices over the built-in ones: exact id first, then the longest matching prefix*. */
export function createPriceTable(configured: Record<string, Price> = {}): PriceTable {
  const table: Record<string, Price> = { ...BUILT_IN_PRICES, ...configured };
  const prefixes = Object.keys(table)
    .filter((k) => k.endsWith("*"))
    .sort((a, b) => b.length - a.length);
  return {
    priceFor(modelId) {
      const exact = table[modelId];
      if (exact) return exact;
      const prefix = prefixes.find((p) => modelId.startsWith(p.slice(0, -1)));
      return prefix ? table[prefix] : undefined;
    },
  };
}

/** Dollar cost of a usage at a price (USD per 1M tokens). */
export function costOf(usage: Usage, price: Price): number {
  return (usage.promptTokens * price.input + usage.completionTokens * price.output) / 1_000_000;
}
