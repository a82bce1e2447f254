import { UsageError } from "../core/index.ts";
import { summariseReplicates } from "./bootstrap.ts";
import { type BootstrapOptions, bootstrapSettings, type PairedBootstrapResult } from "./interval.ts";
import { toRng } from "./random-source.ts";

/** Throws unless a and b are equally long, non-empty and finite. */
export function checkPaired(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length) {
    throw new UsageError("stats.unpaired", `Paired samples must have equal length (${a.length} vs ${b.length}).`, {
      hint: "Pair each item of one system with the same item of the other; drop items only one of them has.",
    });
  }
  if (a.length === 0) throw new UsageError("stats.empty_sample", "Paired samples are empty.");
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) {
      throw new UsageError("stats.non_finite", `Pair ${i} is (${a[i]}, ${b[i]}); values must be finite numbers.`);
    }
  }
}

/**
 * Two-sided bootstrap p-value for "true difference = 0": the replicates, shifted to have mean zero, approximate the
 * null distribution of the estimate, so p = (1 + #{|δ* − δ̂| ≥ |δ̂|}) / (B + 1) (Efron & Tibshirani 1993 §16.4; the
 * +1s keep p > 0, as in Davison & Hinkley 1997 eq. 4.11).
 */
export function pairedPValue(estimate: number, replicates: Float64Array): number {
  const threshold = Math.abs(estimate) - 1e-12 * Math.max(1, Math.abs(estimate));
  let extreme = 0;
  for (const r of replicates) if (Math.abs(r - estimate) >= threshold) extreme++;
  return (1 + extreme) / (1 + replicates.length);
}

/**
 * Paired bootstrap of mean(a) − mean(b) (Koehn 2004): items are resampled together, so per-item difficulty cancels
 * and the interval is much narrower than comparing two independent intervals.
 */
export function pairedBootstrap(
  a: readonly number[],
  b: readonly number[],
  options: BootstrapOptions,
): PairedBootstrapResult {
  checkPaired(a, b);
  const { resamples, confidence } = bootstrapSettings(options);
  const n = a.length;
  const diff = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    diff[i] = (a[i] as number) - (b[i] as number);
    total += diff[i] as number;
  }
  const rng = toRng(options.seed);
  const replicates = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += diff[rng.int(n)] as number;
    replicates[r] = sum / n;
  }
  const estimate = total / n;
  return { ...summariseReplicates(estimate, replicates, confidence), pValue: pairedPValue(estimate, replicates) };
}
