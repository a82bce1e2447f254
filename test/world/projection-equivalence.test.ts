import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/index.ts";
import {
  buildNode,
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

type Op =
  | { op: "commit" }
  | { op: "swipe" }
  | { op: "branch" }
  | { op: "switch"; pick: number }
  | { op: "rollback"; back: number }
  | { op: "jump"; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ op: "commit" as const }) },
  { weight: 2, arbitrary: fc.constant({ op: "swipe" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "branch" as const }) },
  { weight: 2, arbitrary: fc.nat(20).map((pick) => ({ op: "switch" as const, pick })) },
  { weight: 2, arbitrary: fc.nat(12).map((back) => ({ op: "rollback" as const, back })) },
  { weight: 1, arbitrary: fc.nat(200).map((pick) => ({ op: "jump" as const, pick })) },
);

/** Run a sequence of operations on a ledger + incrementally maintained projection, checking after each one. */
function runOps(seed: number, ops: Op[], bucketSize: number): void {
  const rng = createRng(seed);
  const ledger = new Ledger();
  const p = new Projection(bucketSize);
  let n = 0;
  const root = addRoot(ledger, p);
  const heads = new Map<string, string>([["main", root.id]]);
  let current = "main";
  const commit = (parent: WorldNode) => {
    const storyTime = parent.storyTime + rng.int(90);
    const drafts = randomDrafts(rng, p, storyTime);
    const node = buildNode(ledger, { storyTime, events: drafts }, parent, current, {
      id: `n${n++}`,
      now: 0,
      startTime: 0,
    });
    ledger.add(node);
    heads.set(current, node.id);
    moveProjection(p, ledger, node.id);
  };
  for (const step of ops) {
    const head = ledger.get(heads.get(current) as string) as WorldNode;
    switch (step.op) {
      case "commit":
        commit(head);
        break;
      case "swipe": {
        const parent = head.parent ? ledger.get(head.parent) : undefined;
        if (parent) {
          moveProjection(p, ledger, parent.id); // drafts may only cite what is on the sibling's path
          commit(parent);
        }
        break;
      }
      case "branch":
        current = `b${heads.size}`;
        heads.set(current, head.id);
        break;
      case "switch": {
        const names = [...heads.keys()];
        current = names[step.pick % names.length] as string;
        moveProjection(p, ledger, heads.get(current) as string);
        break;
      }
      case "rollback": {
        const target = ledger.ancestorAt(head.id, Math.max(0, head.turn - step.back)) as WorldNode;
        heads.set(current, target.id);
        moveProjection(p, ledger, target.id);
        break;
      }
      case "jump": {
        const all = [...ledger.nodes.keys()];
        const target = all[step.pick % all.length] as string;
        heads.set(current, target);
        moveProjection(p, ledger, target);
        break;
      }
    }
    expect(p.head).toBe(heads.get(current));
    expect(projectionSnapshot(p)).toEqual(projectionSnapshot(replay(ledger, p.head as string, bucketSize)));
    // The interval index answers exactly what a scan over every fact's validity answers.
    for (let t = 0; t <= p.headTurn; t++) {
      const naive = [...p.facts.values()].filter((f) => validAtTurn(f, t)).map((f) => f.id);
      expect(
        p.index
          .at(t)
          .filter((id) => p.facts.has(id))
          .sort(),
      ).toEqual(naive.sort());
    }
  }
}

describe("incremental projection equals a replay from scratch", () => {
  it("for any sequence of commits, swipes, branch switches and rollbacks", () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(opArb, { minLength: 1, maxLength: 60 }), (seed, ops) => {
        // A tiny bucket size makes the interval index cross many bucket boundaries.
        runOps(seed, ops, 4);
      }),
      { numRuns: 150 },
    );
  });

  it("with the production bucket size over a long history", () => {
    const ops: Op[] = [];
    const rng = createRng(7);
    for (let i = 0; i < 400; i++)
      ops.push(rng.next() < 0.85 ? { op: "commit" } : { op: "rollback", back: rng.int(30) });
    runOps(11, ops, 16);
  });
});
