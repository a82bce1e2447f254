import { UsageError } from "../core/index.ts";

/** A rating: a category name or a number on a scale. */
export type Label = string | number;

/** True for the values agreement statistics treat as "not rated". */
export function isMissing(value: unknown): value is null | undefined {
  return value === null || value === undefined || (typeof value === "number" && Number.isNaN(value));
}

/**
 * The categories in scale order: `order` when given (every observed label must be in it), otherwise numbers
 * ascending; string labels without an order are accepted only when the order does not matter (`ordered` false).
 */
export function orderedCategories(
  observed: Iterable<Label>,
  order: readonly Label[] | undefined,
  ordered: boolean,
): Label[] {
  const seen = new Set<Label>(observed);
  if (order) {
    const known = new Set(order);
    for (const label of seen) {
      if (!known.has(label)) {
        throw new UsageError(
          "stats.unknown_label",
          `Label ${JSON.stringify(label)} is not in the given category order.`,
          {
            hint: "List every category that appears in the ratings in `order` (or `categories`).",
          },
        );
      }
    }
    return [...order];
  }
  const labels = [...seen];
  if (labels.every((l) => typeof l === "number")) return (labels as number[]).sort((a, b) => a - b);
  if (ordered) {
    throw new UsageError("stats.unordered_labels", "Ordinal and weighted statistics need the order of text labels.", {
      hint: 'Pass the categories in scale order, e.g. { order: ["low", "mid", "high"] }.',
    });
  }
  return labels.sort((a, b) => String(a).localeCompare(String(b)));
}
