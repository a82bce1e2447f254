import type { Ledger } from "./ledger.ts";
import { Projection } from "./projection.ts";

/**
 * Build a branch head's projection from scratch by replaying every node from the root. This is the reference
 * the incremental projection is tested against, and the naive baseline of the perf benchmarks.
 */
export function replay(ledger: Ledger, head: string, bucketSize?: number): Projection {
  const p = new Projection(bucketSize, ledger.events);
  for (const node of ledger.pathTo(head)) p.apply(node);
  return p;
}

const sortedEntries = <V>(map: Map<string, V>) => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * A plain, order-independent copy of everything a projection holds, for equality checks: two projections are
 * the same iff their snapshots are deeply equal. Empty containers are dropped (they carry no state).
 */
export function projectionSnapshot(p: Projection): Record<string, unknown> {
  const nonEmpty = <V extends { size?: number; length?: number }>(entries: Array<[string, V]>) =>
    entries.filter(([, v]) => (v.size ?? v.length ?? 1) > 0);
  const turns = p.path.length;
  // Interval-index answers at every turn, compared as sorted id lists.
  const indexAnswers: string[][] = [];
  for (let t = 0; t < turns; t++)
    indexAnswers.push(
      p.index
        .at(t)
        .filter((id) => p.facts.has(id))
        .sort(),
    );
  return {
    path: [...p.path],
    storyTimes: [...p.storyTimes],
    facts: sortedEntries(p.facts).map(([, f]) => ({ ...f })),
    open: nonEmpty(sortedEntries(p.open)).map(([k, v]) => [k, [...v].map((f) => f.id).sort()]),
    learned: nonEmpty(sortedEntries(p.learned)).map(([k, v]) => [k, v.map((x) => ({ ...x }))]),
    reaffirmed: sortedEntries(p.reaffirmed),
    hooks: sortedEntries(p.hooks).map(([, h]) => ({ ...h })),
    summaries: sortedEntries(p.summaries).map(([, s]) => ({ ...s })),
    struck: sortedEntries(p.struck),
    nodes: p.nodes.map((n) => n.id),
    indexAnswers,
  };
}
