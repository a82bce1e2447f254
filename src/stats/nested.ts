import { UsageError } from "../core/index.ts";

/**
 * Grouped data as nested arrays, outermost level first: `scenarios[s][r][c]` is chunk c of run r of scenario s.
 * Leaves are numbers; groups may have different sizes (an unbalanced design).
 */
export type Nested = number | readonly Nested[];

/** Mean of means: each group counts once at its own level, so a scenario with more runs does not weigh more. */
export function nestedMean(node: Nested): number {
  if (typeof node === "number") return node;
  let sum = 0;
  for (const child of node) sum += nestedMean(child);
  return node.length === 0 ? Number.NaN : sum / node.length;
}

/** Every leaf of a nested structure, in order. */
export function nestedLeaves(node: Nested, out: number[] = []): number[] {
  if (typeof node === "number") out.push(node);
  else for (const child of node) nestedLeaves(child, out);
  return out;
}

/** Depth of the leaves (0 for a number); throws when leaves sit at different depths or a group is empty. */
export function nestedDepth(node: Nested, path = "data"): number {
  if (typeof node === "number") {
    if (!Number.isFinite(node)) {
      throw new UsageError("stats.non_finite", `${path} is ${node}; every value must be a finite number.`, {
        hint: "Drop or impute missing scores before computing statistics.",
      });
    }
    return 0;
  }
  if (node.length === 0) {
    throw new UsageError("stats.empty_group", `${path} is an empty group.`, {
      hint: "Remove groups that have no observations (e.g. a run with no judged chunks).",
    });
  }
  const depth = nestedDepth(node[0] as Nested, `${path}[0]`);
  for (let i = 1; i < node.length; i++) {
    const d = nestedDepth(node[i] as Nested, `${path}[${i}]`);
    if (d !== depth) {
      throw new UsageError("stats.ragged_nesting", `${path}[${i}] has depth ${d}, but ${path}[0] has depth ${depth}.`, {
        hint: "Every leaf must sit at the same level (scenario → run → chunk → value).",
      });
    }
  }
  return depth + 1;
}
