// Invariants the fast paths of the projection rely on (see effect-log.ts, interval-index.ts, fact.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/index.ts";
import {
  buildNode,
  type Fact,
  IntervalIndex,
  Ledger,
  moveProjection,
  Projection,
  projectionSnapshot,
  replay,
  validAtTurn,
  type WorldNode,
} from "../../src/world/index.ts";
import { randomDrafts } from "./random-ledger.ts";
import { addRoot } from "./world-helpers.ts";

/** A random history with branches: commits, swipes, switches and rollbacks over one ledger. */
function randomHistory(seed: number, steps: number, p: Projection, ledger: Ledger): string[] {
  const rng = createRng(seed);
  const root = addRoot(ledger, p);
  const heads = [root.id];
  let n = 0;
  for (let i = 0; i < steps; i++) {
    const r = rng.next();
    const current = ledger.get(p.head as string) as WorldNode;
    if (r < 0.6 || current.parent === null) {
      const storyTime = current.storyTime + rng.int(90);
      const node = buildNode(ledger, { storyTime, events: randomDrafts(rng, p, storyTime) }, current, "main", {
        id: `n${n++}`,
        now: 0,
        startTime: 0,
      });
      ledger.add(node);
      moveProjection(p, ledger, node.id);
      heads.push(node.id);
    } else if (r < 0.75) {
      moveProjection(p, ledger, current.parent); // then the next commit is a swipe
    } else if (r < 0.9) {
      moveProjection(p, ledger, heads[rng.int(heads.length)] as string);
    } else {
      moveProjection(p, ledger, (ledger.ancestorAt(current.id, rng.int(current.turn + 1)) as WorldNode).id);
    }
  }
  return heads;
}

describe("projection internals", () => {
  it("reads events from the ledger's map and still answers only for events on the path", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 80 }), (seed, steps) => {
        const ledger = new Ledger();
        const p = new Projection(4, ledger.events);
        randomHistory(seed, steps, p, ledger);
        const reference = replay(ledger, p.head as string, 4);
        expect(projectionSnapshot(p)).toEqual(projectionSnapshot(reference));
        for (const [id, e] of ledger.events) {
          const onPath = p.path[e.turn] === e.node;
          expect(p.event(id)).toBe(onPath ? e : undefined);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("indexes exactly the facts on the path, and every fact and hook keeps one field layout", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 80 }), (seed, steps) => {
        const ledger = new Ledger();
        const p = new Projection(4);
        randomHistory(seed, steps, p, ledger);
        expect(p.index.size).toBe(p.facts.size);
        for (let t = 0; t <= p.headTurn + 8; t++) {
          const naive = [...p.facts.values()].filter((f) => validAtTurn(f, t)).map((f) => f.id);
          expect(p.index.at(t).sort()).toEqual(naive.sort());
        }
        // Closing, superseding and undoing only write fields; a deleted or added property would reshape objects.
        const layout = (o: object) => Object.keys(o).join(",");
        const facts = [...p.facts.values()];
        if (facts[0]) for (const f of facts) expect(layout(f)).toBe(layout(facts[0]));
        const hooks = [...p.hooks.values()];
        if (hooks[0]) for (const h of hooks) expect(layout(h)).toBe(layout(hooks[0]));
      }),
      { numRuns: 60 },
    );
  });

  it("IntervalIndex answers like a scan for any sequence of adds, end moves and removals", () => {
    type Item = { id: string; from: number; to: number };
    const op = fc.record({ kind: fc.nat(9), from: fc.nat(60), len: fc.nat(40), pick: fc.nat(1000) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), fc.integer({ min: 1, max: 16 }), (ops, bucketSize) => {
        const index = new IntervalIndex<Item>({ id: (x) => x.id, from: (x) => x.from, to: (x) => x.to }, bucketSize);
        const live: Item[] = [];
        let n = 0;
        for (const o of ops) {
          const target = live[o.pick % Math.max(1, live.length)];
          if (o.kind < 5 || !target) {
            const item = { id: `i${n++}`, from: o.from, to: o.len === 0 ? Number.POSITIVE_INFINITY : o.from + o.len };
            index.add(item, item.from, item.to);
            live.push(item);
          } else if (o.kind < 8) {
            const to = o.len === 0 ? Number.POSITIVE_INFINITY : target.from + o.len;
            index.moveEnd(target, target.from, target.to, to);
            target.to = to;
          } else {
            index.remove(target, target.from, target.to);
            live.splice(live.indexOf(target), 1);
          }
        }
        expect(index.size).toBe(live.length);
        for (let t = 0; t < 110; t++)
          expect(index.at(t).sort()).toEqual(
            live
              .filter((x) => x.from <= t && x.to > t)
              .map((x) => x.id)
              .sort(),
          );
      }),
      { numRuns: 150 },
    );
  });

  it("IntervalIndex refuses to index an item twice or remove one it does not hold", () => {
    const index = new IntervalIndex<Fact>({ id: (f) => f.id, from: () => 0, to: () => 5 });
    const f = { id: "f1" } as Fact;
    index.add(f, 0, 5);
    expect(() => index.add(f, 0, 5)).toThrow(/already indexed/);
    index.remove(f, 0, 5);
    expect(() => index.remove(f, 0, 5)).toThrow(/not indexed/);
  });
});
