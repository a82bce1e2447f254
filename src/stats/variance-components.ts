import { UsageError } from "../core/index.ts";
import { type Nested, nestedDepth } from "./nested.ts";

/** One variance component of a nested random-effects model. */
export interface VarianceComponent {
  /** Level name, outermost first (e.g. "scenario", "run", "judge"); the last one is the residual. */
  level: string;
  /** Method-of-moments estimate, truncated at 0. */
  variance: number;
  /** The untruncated estimate (negative when sampling noise exceeds the component). */
  rawVariance: number;
  /** Share of the total variance (truncated components). */
  share: number;
  /** Degrees of freedom of this level's mean square. */
  df: number;
  /** This level's mean square. */
  meanSquare: number;
}

/** A variance decomposition of nested data. */
export interface VarianceDecomposition {
  /** Components, outermost level first, residual last. */
  components: VarianceComponent[];
  /** Sum of the (truncated) components. */
  total: number;
  /** Whether every group at a level had the same size (then the estimates equal REML when non-negative). */
  balanced: boolean;
  /** Grand mean of all observations. */
  grandMean: number;
  /** Number of observations. */
  observations: number;
}

interface Node {
  leaves: number;
  sum: number;
  children: Node[];
}

function build(node: Nested): Node {
  if (typeof node === "number") return { leaves: 1, sum: node, children: [] };
  const children = node.map(build);
  return {
    leaves: children.reduce((s, c) => s + c.leaves, 0),
    sum: children.reduce((s, c) => s + c.sum, 0),
    children,
  };
}

/**
 * Variance components of a fully nested random-effects model, e.g. score = μ + scenario + run(scenario) +
 * judge(run) — `data[scenario][run][judge]` — by the ANOVA method of moments (Henderson's method I): each level's
 * mean square is set equal to its expectation and the triangular system is solved from the residual up (with
 * the untruncated lower estimates, which keeps every estimate unbiased). The
 * expectations are exact for unbalanced designs: the coefficient of σ²_j in E[SS_i] is
 * Σ_{h at i} Σ_{g at j in h} n_g²/n_h − Σ_{p at i−1} Σ_{g at j in p} n_g²/n_p (Searle, Casella & McCulloch 1992,
 * §3.6), with n = number of observations under a node. Negative estimates are reported in `rawVariance` and
 * truncated to 0.
 */
export function varianceComponents(data: readonly Nested[], levels?: readonly string[]): VarianceDecomposition {
  const depth = nestedDepth(data, "data"); // grouping levels = depth − 1, plus the residual
  if (depth < 2) {
    throw new UsageError("stats.too_shallow", "Variance components need groups of observations (nested arrays).", {
      hint: "Pass data[group][observation], or deeper: data[scenario][run][judge].",
    });
  }
  const names = levels ?? Array.from({ length: depth }, (_, i) => (i === depth - 1 ? "residual" : `level${i + 1}`));
  if (names.length !== depth) {
    throw new UsageError(
      "stats.level_names",
      `Got ${names.length} level names for ${depth} levels (groups + residual).`,
    );
  }
  const root = build(data);
  const N = root.leaves;
  const grandMean = root.sum / N;
  // nodesAt[0] = [root]; nodesAt[i] = nodes i levels down; nodesAt[depth] = observations.
  const nodesAt: Node[][] = [[root]];
  const parentOf = new Map<Node, Node>();
  for (let i = 0; i < depth; i++) {
    const next: Node[] = [];
    for (const node of nodesAt[i] as Node[]) {
      for (const child of node.children) {
        parentOf.set(child, node);
        next.push(child);
      }
    }
    nodesAt.push(next);
  }
  const ancestorAt = (node: Node, from: number, to: number): Node => {
    let current = node;
    for (let l = from; l > to; l--) current = parentOf.get(current) as Node;
    return current;
  };
  const mean = (node: Node) => node.sum / node.leaves;
  // Level i (1..depth) compares nodes at i with their parents at i − 1.
  const ms: number[] = [];
  const dfs: number[] = [];
  const coef: number[][] = [];
  for (let i = 1; i <= depth; i++) {
    let ss = 0;
    for (const node of nodesAt[i] as Node[]) ss += node.leaves * (mean(node) - mean(parentOf.get(node) as Node)) ** 2;
    const df = (nodesAt[i] as Node[]).length - (nodesAt[i - 1] as Node[]).length;
    dfs.push(df);
    ms.push(df > 0 ? ss / df : Number.NaN);
    const row: number[] = [];
    for (let j = i; j <= depth; j++) {
      let k = 0;
      for (const g of nodesAt[j] as Node[]) {
        const sq = g.leaves * g.leaves;
        k += sq / ancestorAt(g, j, i).leaves - sq / ancestorAt(g, j, i - 1).leaves;
      }
      row.push(df > 0 ? k / df : Number.NaN);
    }
    coef.push(row);
  }
  for (let i = 0; i < depth; i++) {
    if (!((dfs[i] as number) > 0)) {
      throw new UsageError("stats.no_replication", `Level "${names[i]}" has no replication (0 degrees of freedom).`, {
        hint: "Each level needs at least two groups somewhere (e.g. at least two runs in some scenario).",
      });
    }
  }
  // Back-substitute from the residual (level = depth) up: E[MS_i] = Σ_{j ≥ i} coef[i][j − i]·σ²_j.
  const raw = new Array<number>(depth).fill(0);
  for (let i = depth - 1; i >= 0; i--) {
    const row = coef[i] as number[];
    let rest = ms[i] as number;
    for (let j = i + 1; j < depth; j++) rest -= (row[j - i] as number) * (raw[j] as number);
    raw[i] = rest / (row[0] as number);
  }
  const truncated = raw.map((v) => Math.max(0, v));
  const total = truncated.reduce((s, v) => s + v, 0);
  const balanced = nodesAt
    .slice(1, depth)
    .every((nodes) => nodes.every((n) => n.children.length === (nodes[0] as Node).children.length));
  return {
    components: names.map((level, i) => ({
      level,
      variance: truncated[i] as number,
      rawVariance: raw[i] as number,
      share: total > 0 ? (truncated[i] as number) / total : Number.NaN,
      df: dfs[i] as number,
      meanSquare: ms[i] as number,
    })),
    total,
    balanced,
    grandMean,
    observations: N,
  };
}
