import { UsageError } from "../core/index.ts";

/** Throws unless x and y are equally long, hold at least `min` pairs, and are finite. */
export function checkCorrelationInput(x: readonly number[], y: readonly number[], min: number, name: string): void {
  if (x.length !== y.length) {
    throw new UsageError("stats.unpaired", `${name} needs equally long inputs (${x.length} vs ${y.length}).`);
  }
  if (x.length < min) {
    throw new UsageError("stats.too_few", `${name} needs at least ${min} pairs, got ${x.length}.`);
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) {
      throw new UsageError("stats.non_finite", `${name}: pair ${i} is (${x[i]}, ${y[i]}); values must be finite.`, {
        hint: "Drop pairs with a missing score before correlating.",
      });
    }
  }
}
