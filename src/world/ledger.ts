import type { Branch, WorldEvent, WorldNode } from "./event.ts";
import type { Projection } from "./projection.ts";

/**
 * The in-memory tree of commits: every node ever recorded for a world (all branches, all swipes) and the branch
 * head pointers. It mirrors the store exactly; the store stays the source of truth.
 */
export class Ledger {
  readonly nodes = new Map<string, WorldNode>();
  readonly children = new Map<string, string[]>();
  readonly branches = new Map<string, Branch>();
  /** Every event of every node, by id. */
  readonly events = new Map<string, WorldEvent>();
  /** Total events across every node. */
  eventCount = 0;

  /** Record a node (its parent must already be known). */
  add(node: WorldNode): void {
    if (this.nodes.has(node.id)) return;
    if (node.parent !== null && !this.nodes.has(node.parent))
      throw new Error(`parent ${node.parent} of ${node.id} unknown`);
    this.nodes.set(node.id, node);
    this.eventCount += node.events.length;
    for (const e of node.events) this.events.set(e.id, e);
    if (node.parent !== null) {
      const list = this.children.get(node.parent) ?? [];
      list.push(node.id);
      this.children.set(node.parent, list);
    }
  }

  /** A node by id, or undefined. */
  get(id: string): WorldNode | undefined {
    return this.nodes.get(id);
  }

  /** The root (turn 0) node. */
  root(): WorldNode {
    for (const n of this.nodes.values()) if (n.parent === null) return n;
    throw new Error("ledger has no root");
  }

  /** The nodes from the root to `id`, in order. */
  pathTo(id: string): WorldNode[] {
    const out: WorldNode[] = [];
    let n = this.nodes.get(id);
    while (n) {
      out.push(n);
      n = n.parent === null ? undefined : this.nodes.get(n.parent);
    }
    return out.reverse();
  }

  /** The ancestor of `id` at `turn` (or the node itself). */
  ancestorAt(id: string, turn: number): WorldNode | undefined {
    let n = this.nodes.get(id);
    while (n && n.turn > turn) n = n.parent === null ? undefined : this.nodes.get(n.parent);
    return n && n.turn === turn ? n : undefined;
  }

  /** Whether `ancestor` lies on the path root → `id`. */
  isAncestor(ancestor: string, id: string): boolean {
    const a = this.nodes.get(ancestor);
    return a !== undefined && this.ancestorAt(id, a.turn)?.id === ancestor;
  }

  /** Children of a node, in recording order (for a turn's parent: its swipes). */
  childrenOf(id: string): WorldNode[] {
    return (this.children.get(id) ?? []).map((c) => this.nodes.get(c) as WorldNode);
  }
}

/**
 * Move a projection to another node: undo back to the deepest common ancestor, then apply forward. Cost is
 * proportional to the distance between the two heads, not to the size of the ledger.
 */
export function moveProjection(
  projection: Projection,
  ledger: Ledger,
  target: string,
): { undone: number; applied: number } {
  const chain: WorldNode[] = [];
  let n = ledger.get(target);
  if (!n) throw new Error(`unknown node ${target}`);
  while (n && !projection.onPath(n)) {
    chain.push(n);
    n = n.parent === null ? undefined : ledger.get(n.parent);
  }
  const keep = n ? n.turn : -1;
  let undone = 0;
  while (projection.headTurn > keep) {
    projection.undo();
    undone++;
  }
  for (let i = chain.length - 1; i >= 0; i--) projection.apply(chain[i] as WorldNode);
  return { undone, applied: chain.length };
}
