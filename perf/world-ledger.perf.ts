// World engine at 100,000 events: appending a turn, state as of turn t, rollback and branch switch of 1,000
// turns, and memory — each beside the naive baseline that replays every event from the root.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createRng, type Rng } from "../src/core/index.ts";
import { openStore } from "../src/store/index.ts";
import {
  type Branch,
  buildNode,
  bulkInsertNodes,
  type EventDraft,
  factsAt,
  Ledger,
  moveProjection,
  Projection,
  replay,
  stateAt,
  World,
  type WorldNode,
} from "../src/world/index.ts";
import { median, type PerfResult, percentile } from "./perf-result.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const heapMb = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const TOTAL_EVENTS = 100_000;
/** Extra cold-switch samples, each on the world re-opened from the store. */
const COLD_SAMPLES = 6;
/** Cold-switch samples in a new Node process each (V8 has compiled none of the switch's code yet). */
const FRESH_PROCESS_SAMPLES = 3;
/** Set in a child process started by this benchmark: `<home>\n<world id>` of the world to switch in. */
const CHILD_ENV = "TROUPE_PERF_WORLD_COLD_CHILD";
const CAST = Array.from({ length: 20 }, (_, i) => `Char${i}`);
const PLACES = Array.from({ length: 15 }, (_, i) => `Place${i}`);
const ITEMS = Array.from({ length: 40 }, (_, i) => `Item${i}`);
const pick = <T>(rng: Rng, list: readonly T[]) => list[rng.int(list.length)] as T;

/** One realistic turn: a line of dialogue, two or three state changes, sometimes a hook or a summary. */
function turnDrafts(rng: Rng, p: Projection, turn: number): EventDraft[] {
  const speaker = pick(rng, CAST);
  const witnesses = [speaker, pick(rng, CAST), pick(rng, CAST)];
  const drafts: EventDraft[] = [
    {
      kind: "happened",
      payload: {
        description: `${speaker} says something`,
        utterance: { speaker, text: "…" },
        importance: 1 + rng.int(10),
      },
      witnesses,
    },
  ];
  const changes = 2 + rng.int(2);
  for (let i = 0; i < changes; i++) {
    const who = pick(rng, CAST);
    const r = rng.next();
    const payload =
      r < 0.5
        ? { op: "set", subject: who, predicate: "at", object: pick(rng, PLACES) }
        : r < 0.7
          ? { op: "add", subject: who, predicate: "holds", object: pick(rng, ITEMS) }
          : r < 0.85
            ? { op: "remove", subject: who, predicate: "holds", object: pick(rng, ITEMS) }
            : { op: "set", subject: who, predicate: "mood", object: pick(rng, ["calm", "angry", "glad", "afraid"]) };
    drafts.push({ kind: "changed", payload, causedBy: ["#0"], witnesses });
  }
  if (rng.next() < 0.08) drafts.push({ kind: "may_happen", payload: { description: "trouble", involves: [speaker] } });
  if (turn % 200 === 0 && turn > 0) {
    const cites = p.nodes.slice(-5).flatMap((n) => n.events.map((e) => e.id));
    drafts.push({ kind: "summary", payload: { text: "so far", cites, fromTurn: turn - 200, toTurn: turn } });
  }
  return drafts;
}

async function time<T>(fn: () => Promise<T> | T): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Wall and process CPU time (user + system, all threads, so GC helpers count) of one call, in ms. */
async function timeCpu<T>(fn: () => Promise<T> | T): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const wall = await time(fn);
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

/**
 * The child side of the fresh-process samples: open the world, time the first switch to `alt` and, beside it,
 * the naive rebuild of alt; switch back to main (the stored active branch) and print the times as JSON.
 */
async function coldSwitchChild(spec: string): Promise<void> {
  const [home, worldId] = spec.split("\n") as [string, string];
  const store = await openStore({ home });
  try {
    const world = await World.open(store, worldId);
    const { wall, cpu } = await timeCpu(() => world.checkout("alt"));
    const naive = await time(() => replay(world.ledger, world.branch("alt").head));
    await world.checkout("main");
    process.stdout.write(`${JSON.stringify({ wall, cpu, naive })}\n`);
  } finally {
    await store.close();
  }
}

/** One fresh-process sample: this file run in a new Node process in child mode. */
function coldSwitchInNewProcess(home: string, worldId: string): { wall: number; cpu: number; naive: number } {
  const out = execFileSync(process.execPath, ["--import", "tsx", import.meta.filename], {
    env: { ...process.env, [CHILD_ENV]: `${home}\n${worldId}` },
    encoding: "utf8",
  });
  return JSON.parse(out.trim().split("\n").pop() as string);
}

export default async function run(): Promise<PerfResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "troupe-perf-world-"));
  const store = await openStore({ home: dir });
  try {
    const rng = createRng("world-perf");
    const created = await World.create(store, { name: "perf", cast: CAST.map((name) => ({ name })), startTime: 0 });
    const worldId = created.id;
    // Build the history in memory (so references stay valid), then bulk-insert it.
    const ledger = new Ledger();
    const p = new Projection();
    const root = created.head();
    ledger.add(root);
    p.apply(root);
    let events = root.events.length;
    let n = 0;
    const nodes: WorldNode[] = [];
    const grow = (parent: WorldNode, branch: string, count: number) => {
      let head = parent;
      for (let i = 0; i < count || (count < 0 && events < TOTAL_EVENTS - 4_000); i++) {
        const node = buildNode(
          ledger,
          { storyTime: head.storyTime + 5, events: turnDrafts(rng, p, head.turn + 1), speaker: "x", text: "…" },
          head,
          branch,
          { id: `${worldId}.p${n++}`, now: 0, startTime: 0, onBranch: (id) => p.hasEvent(id) },
        );
        ledger.add(node);
        moveProjection(p, ledger, node.id);
        nodes.push(node);
        events += node.events.length;
        head = node;
      }
      return head;
    };
    const mainHead = grow(root, "main", -1);
    const fork = ledger.ancestorAt(mainHead.id, mainHead.turn - 1_000) as WorldNode;
    moveProjection(p, ledger, fork.id);
    const altHead = grow(fork, "alt", 1_000);
    const now = Date.now();
    const branches: Branch[] = [
      { name: "main", head: mainHead.id, status: "active", createdAt: now, updatedAt: now },
      { name: "alt", head: altHead.id, status: "active", base: fork.id, createdAt: now, updatedAt: now },
    ];
    for (let i = 0; i < nodes.length; i += 2_000)
      await bulkInsertNodes(store, worldId, nodes.slice(i, i + 2_000), i + 2_000 >= nodes.length ? branches : []);
    nodes.length = 0;

    const before = heapMb();
    const keepLedgerOnly = new Ledger();
    for (const node of ledger.pathTo(altHead.id)) keepLedgerOnly.add(node);
    void keepLedgerOnly;
    const world = await World.open(store, worldId);
    const heapWorld = heapMb() - before;
    const eventCount = world.ledger.eventCount;

    // 1. Appending a turn: store transaction + incremental projection, vs store + replay of the whole branch.
    const append: number[] = [];
    for (let i = 0; i < 200; i++) {
      const drafts = turnDrafts(rng, world.projection, world.head().turn + 1);
      append.push(await time(() => world.commit({ storyTime: world.head().storyTime + 5, events: drafts })));
    }
    const appendNaive: number[] = [];
    for (let i = 0; i < 3; i++) {
      const drafts = turnDrafts(rng, world.projection, world.head().turn + 1);
      appendNaive.push(
        await time(async () => {
          const node = await world.commit({ storyTime: world.head().storyTime + 5, events: drafts });
          replay(world.ledger, node.id);
        }),
      );
    }

    // 2. State as of turn t (random turns on the branch).
    const head = world.head();
    const asOf: number[] = [];
    let factsSeen = 0;
    for (let i = 0; i < 500; i++) {
      const t = rng.int(head.turn + 1);
      asOf.push(await time(() => (factsSeen += stateAt(world.projection, { turn: t }).facts.length)));
    }
    const asOfNaive: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = rng.int(head.turn + 1);
      asOfNaive.push(
        await time(() => {
          const q = replay(world.ledger, (world.ledger.ancestorAt(head.id, t) as WorldNode).id);
          factsSeen += factsAt(q, t).length;
        }),
      );
    }

    // 3. Rollback of 1,000 turns, redo back to the old head, and switching between branches 1,000 turns apart.
    // The first switch to `alt` applies its 1,000 turns from scratch (cold, measured on its own in 4); later
    // moves replay recorded effects.
    const rollback: number[] = [];
    const redo: number[] = [];
    const switching: number[] = [];
    const coldSwitch = await time(() => world.checkout("alt"));
    switching.push(await time(() => world.checkout("main")));
    for (let i = 0; i < 10; i++) {
      const top = world.head();
      rollback.push(await time(() => world.rollback(top.turn - 1_000)));
      redo.push(await time(() => world.resetHead(top.id)));
    }
    for (let i = 0; i < 10; i++) {
      switching.push(await time(() => world.checkout("alt")));
      switching.push(await time(() => world.checkout("main")));
    }
    // The same switches in memory only (no store write): the projection's share of the cost.
    const focusing: number[] = [];
    for (let i = 0; i < 10; i++) {
      focusing.push(await time(() => world.focus("alt")));
      focusing.push(await time(() => world.focus("main")));
    }
    const moveNaive: number[] = [];
    for (let i = 0; i < 3; i++) moveNaive.push(await time(() => replay(world.ledger, world.branch("alt").head)));

    // 4. Cold switches: the first switch to a branch the process has never shown, as after restarting
    // `troupe chat` and switching to an old branch. Undoing main's last 1,000 turns and applying alt's 1,000 from
    // scratch (no recorded effects to replay), plus the store write. Each further sample re-opens the world from
    // the store (a new projection at main's head); beside each, the naive rebuild of alt on the same ledger.
    const cold: number[] = [coldSwitch];
    const coldCpu: number[] = [];
    const coldNaive: number[] = [];
    for (let i = 0; i < COLD_SAMPLES; i++) {
      const reopened = await World.open(store, worldId);
      if (reopened.current !== "main" || reopened.projection.onPath(reopened.ledger.get(altHead.id) as WorldNode))
        throw new Error("cold-switch sample must start on main, away from alt");
      const { wall, cpu } = await timeCpu(() => reopened.checkout("alt"));
      cold.push(wall);
      coldCpu.push(cpu);
      coldNaive.push(await time(() => replay(reopened.ledger, reopened.branch("alt").head)));
      await reopened.checkout("main");
    }
    // The same in a new process each time, as right after restarting `troupe chat`: the projection is cold and
    // so is V8 (none of the undo, apply or store-write code has been compiled yet).
    const fresh = Array.from({ length: FRESH_PROCESS_SAMPLES }, () => coldSwitchInNewProcess(dir, worldId));

    const detail = { events: eventCount, turns: head.turn, branches: world.ledger.branches.size };
    return [
      {
        name: "world: append a turn at 100k events (store + projection)",
        ratio: median(append) / median(appendNaive),
        unit: "troupe ÷ naive replay median time; lower is better",
        target: "troupe p50 < 2 ms",
        pass: median(append) < 2,
        detail: {
          ...detail,
          troupeP50Ms: median(append),
          troupeP95Ms: percentile(append, 95),
          naiveP50Ms: median(appendNaive),
        },
      },
      {
        name: "world: state as of turn t at 100k events",
        ratio: median(asOf) / median(asOfNaive),
        unit: "troupe ÷ naive replay median time; lower is better",
        target: "troupe p50 < 2 ms",
        pass: median(asOf) < 2,
        detail: {
          troupeP50Ms: median(asOf),
          troupeP95Ms: percentile(asOf, 95),
          naiveP50Ms: median(asOfNaive),
          avgFacts: Math.round(factsSeen / 505),
        },
      },
      {
        name: "world: rollback of 1,000 turns at 100k events (store + projection)",
        ratio: median(rollback) / median(moveNaive),
        unit: "troupe ÷ naive replay median time; lower is better",
        target: "troupe p50 < 10 ms",
        pass: median(rollback) < 10,
        detail: {
          troupeP50Ms: median(rollback),
          troupeMaxMs: Math.max(...rollback),
          redoP50Ms: median(redo),
          redoMaxMs: Math.max(...redo),
          naiveP50Ms: median(moveNaive),
        },
      },
      {
        name: "world: branch switch across 1,000 turns at 100k events (store + projection, branch shown before)",
        ratio: median(switching) / median(moveNaive),
        unit: "troupe ÷ naive replay median time; lower is better",
        target: "troupe p50 < 10 ms",
        pass: median(switching) < 10,
        detail: {
          troupeP50Ms: median(switching),
          troupeMaxMs: Math.max(...switching),
          inMemoryP50Ms: median(focusing),
          naiveP50Ms: median(moveNaive),
        },
      },
      {
        name: "world: cold branch switch across 1,000 turns at 100k events (store + projection, first in process)",
        ratio: median(cold) / median(coldNaive),
        unit: "troupe ÷ naive replay median time; lower is better",
        target: "troupe p50 < 10 ms",
        pass: median(cold) < 10,
        detail: {
          troupeP50Ms: median(cold),
          troupeMaxMs: Math.max(...cold),
          cpuP50Ms: median(coldCpu),
          firstInRunMs: coldSwitch,
          samples: cold.length,
          naiveP50Ms: median(coldNaive),
          newProcessP50Ms: median(fresh.map((f) => f.wall)),
          newProcessMaxMs: Math.max(...fresh.map((f) => f.wall)),
          newProcessCpuP50Ms: median(fresh.map((f) => f.cpu)),
          newProcessNaiveP50Ms: median(fresh.map((f) => f.naive)),
        },
      },
      {
        name: "world: memory of a loaded 100k-event world (ledger + projection + index)",
        ratio: heapWorld / 300,
        unit: "heap MB ÷ 300 MB budget; lower is better",
        target: "< 300 MB",
        pass: heapWorld < 300,
        detail: { heapMb: heapWorld, events: eventCount },
      },
    ];
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const childSpec = process.env[CHILD_ENV];
if (childSpec !== undefined) await coldSwitchChild(childSpec);
