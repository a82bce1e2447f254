import { UsageError } from "../core/index.ts";
import { checkConfidence } from "./interval.ts";
import { normalQuantile } from "./normal.ts";
import { studentTQuantile } from "./student-t.ts";

/** A planned nested design: variance components and how many sub-units each cluster gets. */
export interface ClusterPlanInput {
  /** Variance components outermost first, residual last (e.g. the `variance` fields of `varianceComponents`). */
  variances: readonly number[];
  /**
   * Sub-units per unit below the cluster level, outermost first, one fewer than `variances`: e.g. `[3, 5]` for
   * 3 runs per scenario and 5 chunks per run.
   */
  perCluster: readonly number[];
  /** Two-sided confidence (default 0.95). */
  confidence?: number;
}

/** Variance of one cluster's nested mean: σ²₁ + σ²₂/m₂ + σ²₃/(m₂m₃) + … */
export function clusterMeanVariance(input: ClusterPlanInput): number {
  const { variances, perCluster } = input;
  if (variances.length !== perCluster.length + 1) {
    throw new UsageError(
      "stats.plan_shape",
      `Got ${variances.length} variance components but ${perCluster.length} sub-unit counts; expected one fewer count.`,
      { hint: "variances [scenario, run, chunk] go with perCluster [runs per scenario, chunks per run]." },
    );
  }
  if (variances.some((v) => !(v >= 0) || !Number.isFinite(v))) {
    throw new UsageError("stats.invalid_variance", "Variance components must be finite and non-negative.");
  }
  if (perCluster.some((m) => !Number.isInteger(m) || m < 1)) {
    throw new UsageError("stats.invalid_count", "Sub-unit counts must be positive integers.");
  }
  let divisor = 1;
  let total = variances[0] as number;
  for (let i = 1; i < variances.length; i++) {
    divisor *= perCluster[i - 1] as number;
    total += (variances[i] as number) / divisor;
  }
  return total;
}

/** Expected half-width of the confidence interval of the grand mean with `clusters` clusters (t with k − 1 df). */
export function halfWidthForClusters(input: ClusterPlanInput & { clusters: number }): number {
  const confidence = input.confidence ?? 0.95;
  checkConfidence(confidence);
  if (!Number.isInteger(input.clusters) || input.clusters < 2) {
    throw new UsageError("stats.too_few", `Need at least 2 clusters, got ${input.clusters}.`);
  }
  const t = studentTQuantile(1 - (1 - confidence) / 2, input.clusters - 1);
  return t * Math.sqrt(clusterMeanVariance(input) / input.clusters);
}

/**
 * How many clusters (e.g. scenarios) a design needs so that the confidence interval of the grand mean has at most
 * the target half-width: the smallest k with t_{k−1}·√(V₁/k) ≤ halfWidth, where V₁ is the variance of one cluster's
 * mean (`clusterMeanVariance`). Starts from the normal-theory k = ⌈(z·√V₁/h)²⌉ and steps up for the t correction.
 */
export function clustersForHalfWidth(input: ClusterPlanInput & { halfWidth: number }): number {
  const confidence = input.confidence ?? 0.95;
  checkConfidence(confidence);
  if (!(input.halfWidth > 0)) {
    throw new UsageError("stats.invalid_half_width", `halfWidth must be positive, got ${input.halfWidth}.`);
  }
  const v1 = clusterMeanVariance(input);
  if (v1 === 0) return 2;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  let k = Math.max(2, Math.ceil((z * z * v1) / (input.halfWidth * input.halfWidth)));
  while (halfWidthForClusters({ ...input, clusters: k }) > input.halfWidth) k++;
  return k;
}
