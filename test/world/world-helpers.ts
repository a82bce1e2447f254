// Small builders shared by the world tests.
import {
  buildNode,
  type EventDraft,
  Ledger,
  moveProjection,
  Projection,
  type WorldNode,
} from "../../src/world/index.ts";

/** The root node of a fresh world, added to the ledger and applied to the projection. */
export function addRoot(ledger: Ledger, p: Projection): WorldNode {
  const root = buildNode(ledger, { kind: "root", storyTime: 0, events: [] }, null, "main", {
    id: "root",
    now: 0,
    startTime: 0,
  });
  ledger.add(root);
  p.apply(root);
  return root;
}

/** An in-memory ledger + projection with a commit helper (no store), for semantic tests of the projection. */
export function memoryWorld() {
  const ledger = new Ledger();
  const p = new Projection(4);
  let n = 0;
  addRoot(ledger, p);
  const commit = (events: EventDraft[], storyTime?: number, parent?: string): WorldNode => {
    const par = ledger.get(parent ?? (p.head as string)) as WorldNode;
    const node = buildNode(ledger, { events, storyTime: storyTime ?? par.storyTime }, par, "main", {
      id: `t${++n}`,
      now: 0,
      startTime: 0,
    });
    ledger.add(node);
    moveProjection(p, ledger, node.id);
    return node;
  };
  return { ledger, p, commit, goto: (id: string) => moveProjection(p, ledger, id) };
}

export const set = (subject: string, predicate: string, object: string, witnesses: string[] = []): EventDraft => ({
  kind: "changed",
  payload: { op: "set", subject, predicate, object },
  witnesses,
});
