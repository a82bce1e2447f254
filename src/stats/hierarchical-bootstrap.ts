import { type Rng, UsageError } from "../core/index.ts";
import { summariseReplicates } from "./bootstrap.ts";
import {
  type BootstrapOptions,
  type BootstrapResult,
  bootstrapSettings,
  type PairedBootstrapResult,
} from "./interval.ts";
import { type Nested, nestedDepth, nestedMean } from "./nested.ts";
import { pairedPValue } from "./paired-bootstrap.ts";
import { toRng } from "./random-source.ts";

/** Options of the hierarchical (cluster) bootstraps. */
export interface HierarchicalBootstrapOptions extends BootstrapOptions {
  /**
   * Which levels to resample, outermost first (scenarios, runs, chunks…). Default: every level, the "hierarchical
   * bootstrap" of Saravanan et al. (2020). Resampling every level is slightly conservative (intervals a little
   * wide, since within-group noise is counted at each level); `[true]` alone, resampling only the outermost
   * clusters and keeping everything inside them, is the classic cluster bootstrap of Field & Welsh (2007).
   * Missing entries count as `false`.
   */
  levels?: readonly boolean[];
  /** Statistic of a (resampled) tree; default the mean of means, `nestedMean`. */
  statistic?: (clusters: readonly Nested[]) => number;
}

function levelFlags(options: HierarchicalBootstrapOptions, depth: number): boolean[] {
  return Array.from({ length: depth }, (_, d) => (options.levels ? options.levels[d] === true : true));
}

function resampleMean(node: Nested, depth: number, flags: readonly boolean[], rng: Rng): number {
  if (typeof node === "number") return node;
  const n = node.length;
  let sum = 0;
  if (flags[depth]) for (let i = 0; i < n; i++) sum += resampleMean(node[rng.int(n)] as Nested, depth + 1, flags, rng);
  else for (let i = 0; i < n; i++) sum += resampleMean(node[i] as Nested, depth + 1, flags, rng);
  return sum / n;
}

function resampleTree(node: Nested, depth: number, flags: readonly boolean[], rng: Rng): Nested {
  if (typeof node === "number") return node;
  const n = node.length;
  const out = new Array<Nested>(n);
  for (let i = 0; i < n; i++) {
    out[i] = resampleTree(flags[depth] ? (node[rng.int(n)] as Nested) : (node[i] as Nested), depth + 1, flags, rng);
  }
  return out;
}

/**
 * Hierarchical (cluster) bootstrap over nested data, e.g. `scores[scenario][run][chunk]`: resample scenarios with
 * replacement, then runs within each drawn scenario, then chunks within each drawn run (per `levels`), and recompute
 * the statistic. Treating the 1,500 chunks of 100 scenarios as independent would understate the interval; this does
 * not.
 */
export function hierarchicalBootstrap(
  clusters: readonly Nested[],
  options: HierarchicalBootstrapOptions,
): BootstrapResult {
  const { resamples, confidence } = bootstrapSettings(options);
  const depth = nestedDepth(clusters, "clusters");
  const flags = levelFlags(options, depth);
  const rng = toRng(options.seed);
  const statistic = options.statistic;
  const replicates = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    replicates[b] = statistic
      ? statistic(resampleTree(clusters, 0, flags, rng) as Nested[])
      : resampleMean(clusters, 0, flags, rng);
  }
  return summariseReplicates(statistic ? statistic(clusters) : nestedMean(clusters), replicates, confidence);
}

/**
 * Paired hierarchical bootstrap of a − b where `a[i]` and `b[i]` are the same scenario under two models: the same
 * scenarios are drawn for both (that is the pairing), while runs and chunks inside each are resampled independently
 * per model (runs are not paired across models). The statistic is the difference of nested means.
 */
export function pairedHierarchicalBootstrap(
  a: readonly Nested[],
  b: readonly Nested[],
  options: Omit<HierarchicalBootstrapOptions, "statistic">,
): PairedBootstrapResult {
  const { resamples, confidence } = bootstrapSettings(options);
  if (a.length !== b.length) {
    throw new UsageError(
      "stats.unpaired",
      `Paired data needs the same scenarios on both sides (${a.length} vs ${b.length}).`,
      {
        hint: "Compare two models only on the scenarios both of them ran.",
      },
    );
  }
  const depthA = nestedDepth(a, "a");
  const depthB = nestedDepth(b, "b");
  const depth = Math.max(depthA, depthB);
  const flags = levelFlags(options, depth);
  const rng = toRng(options.seed);
  const k = a.length;
  const replicates = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < k; i++) {
      const s = flags[0] ? rng.int(k) : i;
      sum += resampleMean(a[s] as Nested, 1, flags, rng) - resampleMean(b[s] as Nested, 1, flags, rng);
    }
    replicates[r] = sum / k;
  }
  const estimate = nestedMean(a) - nestedMean(b);
  return { ...summariseReplicates(estimate, replicates, confidence), pValue: pairedPValue(estimate, replicates) };
}
