/** One measured comparison: troupe's path against a baseline, measured side by side in the same run. */
export interface PerfResult {
  /** What was compared ("middleware overhead vs direct openai call"). */
  name: string;
  /** The headline ratio (its meaning is in `unit`). */
  ratio: number;
  /** How to read the ratio ("troupe ÷ direct wall time; lower is better"). */
  unit: string;
  /** The target, when the issue sets one, as a readable condition ("≤ 1.10"). */
  target?: string;
  /** Whether the target was met (undefined when there is no target). */
  pass?: boolean;
  /** Raw measurements behind the ratio. */
  detail: Record<string, number | string>;
}

/** A perf module exports a default function returning its comparisons. */
export type PerfModule = { default: () => Promise<PerfResult[]> };

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Percentile (0–100) by nearest rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}
