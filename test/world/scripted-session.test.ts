// A 1,000-turn scripted session (fake model, scripted extractions, director, violations resolved by a fixed
// policy, swipes and rollbacks) run twice: both runs end in identical projections, equal to a replay from
// scratch and to what the store reloads.
import { describe, expect, it } from "vitest";
import { createRng } from "../../src/core/index.ts";
import { createFakeModel } from "../../src/llm/index.ts";
import { openStore } from "../../src/store/index.ts";
import {
  checkProposal,
  chooseSpeaker,
  commitProposal,
  type Proposal,
  projectionSnapshot,
  proposeLine,
  proposeUserLine,
  replay,
  resolveViolation,
  World,
} from "../../src/world/index.ts";

const PEOPLE = ["Mara", "Joel", "Ann"];
const PLACES = ["tavern", "forest", "harbor"];
const ITEMS = ["key", "map", "lamp"];

function model() {
  return createFakeModel({
    name: "session",
    script: {
      player: (t) => `Line ${t.call}: ${PEOPLE[t.call % 3]}, look at the ${ITEMS[t.call % 3]}.`,
      extract: (t) => {
        const rng = createRng(`extract-${t.call}`);
        const who = PEOPLE[rng.int(3)] as string;
        const events: Array<Record<string, unknown>> = [
          { ref: "e1", kind: "happened", description: `${who} acts`, actor: who, importance: 1 + rng.int(10) },
        ];
        const r = rng.next();
        if (r < 0.5)
          events.push({
            ref: "e2",
            kind: "changed",
            description: "moves",
            op: "set",
            subject: who,
            predicate: "at",
            object: PLACES[rng.int(3)],
            causedBy: ["e1"],
          });
        else if (r < 0.8)
          events.push({
            ref: "e2",
            kind: "changed",
            description: "takes",
            op: "add",
            subject: who,
            predicate: "holds",
            object: ITEMS[rng.int(3)],
            causedBy: ["e1"],
          });
        else
          events.push({
            ref: "e2",
            kind: "may_happen",
            description: "a storm may come",
            involves: [who],
            deadlineMinutes: 60,
          });
        return JSON.stringify({ minutesPassed: rng.int(15), events });
      },
    },
  });
}

/** Resolve every violation by the fixed policy (accept as retcon, else drop the event), then commit. */
async function settle(world: World, first: Proposal): Promise<void> {
  let proposal = first;
  for (let round = 0; round < 5; round++) {
    const violations = await checkProposal(world, proposal);
    if (violations.length === 0) {
      await commitProposal(world, proposal);
      return;
    }
    for (const v of violations)
      proposal = await resolveViolation(
        world,
        proposal,
        v,
        v.options.includes("accept_retcon") ? "accept_retcon" : "drop_event",
      );
  }
  throw new Error("violations did not settle");
}

async function session(turns: number) {
  const store = await openStore({ databaseUrl: ":memory:" });
  let n = 0;
  const world = await World.create(
    store,
    { name: "scripted", userName: "Alex", cast: PEOPLE.map((name) => ({ name })), startTime: 0 },
    { ids: () => `id${n++}`, now: () => 1_700_000_000_000 },
  );
  const m = model();
  const rng = createRng("session");
  for (let step = 1; world.head().turn < turns; step++) {
    // Every 97 steps, roll back three turns (and play on from there).
    if (step % 97 === 0) await world.rollback(world.head().turn - 3);
    const t = world.head().turn;
    if (t % 2 === 0) await settle(world, await proposeUserLine(world, `Alex says ${t}`, { generator: m }));
    else {
      const speaker = chooseSpeaker(world.projection, world.setup, { rng }).speaker;
      await settle(world, await proposeLine(world, speaker, { generator: m }, { budgetTokens: 1500 }));
      if (t % 53 === 1) {
        const head = world.head();
        await settle(
          world,
          await proposeLine(
            world,
            head.speaker as string,
            { generator: m },
            { parent: head.parent as string, generationType: "swipe" },
          ),
        );
      }
    }
  }
  return { store, world };
}

describe("a 1,000-turn scripted session", () => {
  it("replays deterministically to the same projections", async () => {
    const a = await session(1000);
    const b = await session(1000);
    try {
      const snapA = projectionSnapshot(a.world.projection);
      expect(snapA).toEqual(projectionSnapshot(b.world.projection));
      expect(snapA).toEqual(projectionSnapshot(replay(a.world.ledger, a.world.head().id)));
      const reopened = await World.open(a.store, a.world.id);
      expect(projectionSnapshot(reopened.projection)).toEqual(snapA);
      expect(a.world.head().turn).toBe(1000);
      expect(a.world.ledger.nodes.size).toBeGreaterThan(1000);
      expect([...a.world.projection.facts.values()].some((f) => f.closedBy)).toBe(true);
    } finally {
      await a.store.close();
      await b.store.close();
    }
  }, 300_000);
});
