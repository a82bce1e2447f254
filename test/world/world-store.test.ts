import { afterEach, describe, expect, it } from "vitest";
import {
  currentFacts,
  factText,
  projectionSnapshot,
  replay,
  World,
  type WorldSetupInput,
} from "../../src/world/index.ts";
import { storeFactories, type TestStore } from "../support/stores.ts";

const setup: WorldSetupInput = {
  name: "Eldoria test",
  userName: "Alex",
  cast: [{ name: "Seraphina" }, { name: "Joel" }],
  startTime: 0,
};

const say = (speaker: string, text: string, extra: Array<Record<string, unknown>> = []) => ({
  speaker,
  text,
  events: [
    { kind: "happened" as const, payload: { description: `${speaker} speaks`, utterance: { speaker, text } } },
    ...extra.map((payload) => ({ kind: "changed" as const, payload, causedBy: ["#0"], witnesses: ["*"] })),
  ],
});

const factsOf = (w: World) => currentFacts(w.projection).map(factText).sort();

const factories = await storeFactories();

describe.each(factories)("world ledger on %s", (_dialect, open) => {
  let current: TestStore | undefined;
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });

  it("commits turns atomically and reopens to the same projection", async () => {
    current = await open("world_reopen");
    const w = await World.create(current.store, setup);
    await w.commit(say("Seraphina", "Welcome to the glade.", [{ subject: "Alex", predicate: "at", object: "glade" }]));
    await w.commit({ ...say("Alex", "Thank you."), storyTime: 30 });
    const again = await World.open(current.store, w.id);
    expect(projectionSnapshot(again.projection)).toEqual(projectionSnapshot(w.projection));
    expect(factsOf(again)).toContain("Alex at glade");
    expect(again.head().turn).toBe(2);
  });

  it("swipes are siblings, rollback and branches leave no trace in projections, and all of it persists", async () => {
    current = await open("world_branches");
    const w = await World.create(current.store, setup);
    const t1 = await w.commit(say("Seraphina", "Hello.", [{ subject: "Alex", predicate: "at", object: "glade" }]));
    await w.commit(say("Joel", "A wolf!", [{ subject: "wolf", predicate: "at", object: "glade" }]));
    await w.swipe(say("Joel", "Nothing here.", [{ subject: "Joel", predicate: "mood", object: "calm" }]));
    expect(w.siblings()).toHaveLength(2);
    expect(factsOf(w)).toContain("Joel mood calm");
    expect(factsOf(w)).not.toContain("wolf at glade");
    await w.createBranch("what-if", { checkout: true });
    await w.commit(say("Seraphina", "Let's go.", [{ subject: "Alex", predicate: "at", object: "river" }]));
    expect(factsOf(w)).toContain("Alex at river");
    await w.checkout("main");
    expect(factsOf(w)).not.toContain("Alex at river");
    await w.rollback(t1.turn);
    expect(factsOf(w)).toEqual([
      "Alex at glade",
      "Alex role user",
      "Alex type character",
      "Joel type character",
      "Seraphina type character",
    ]);
    const again = await World.open(current.store, w.id);
    expect(again.current).toBe("main");
    expect(again.head().id).toBe(t1.id);
    expect(projectionSnapshot(again.projection)).toEqual(projectionSnapshot(replay(again.ledger, t1.id)));
    again.focus("what-if");
    expect(factsOf(again)).toContain("Alex at river");
  });

  it("is idempotent by id and refuses conflicting or invalid commits with typed errors", async () => {
    current = await open("world_idem");
    const w = await World.create(current.store, setup);
    const input = { id: `${w.id}.fixed`, ...say("Seraphina", "Hi.") };
    const a = await w.commit(input);
    const again = await World.open(current.store, w.id);
    const b = await again.commit(input);
    expect(b.id).toBe(a.id);
    expect((await World.open(current.store, w.id)).ledger.nodes.size).toBe(2);
    await expect(again.commit({ ...input, events: [...input.events, ...input.events] })).rejects.toMatchObject({
      code: "world.commit_conflict",
    });
    await expect(
      w.commit({ ...say("Joel", "Back in time"), storyTime: -5 + w.head().storyTime }),
    ).rejects.toMatchObject({
      code: "world.time_backwards",
    });
    await expect(
      w.commit({ events: [{ kind: "user_edit", payload: { op: "strike", eventId: "nope" } }] }),
    ).rejects.toMatchObject({ code: "world.unknown_event" });
    await expect(w.commit({ events: [{ kind: "changed", payload: { subject: "" } }] })).rejects.toMatchObject({
      code: "world.bad_event",
    });
    await expect(World.open(current.store, "no-such-world")).rejects.toMatchObject({ code: "world.not_found" });
  });

  it("gives worlds made from one setup unique names, and refuses a name two older worlds share (issue 12.18)", async () => {
    current = await open("world_names");
    const { store } = current;
    const first = await World.create(store, setup);
    const second = await World.create(store, setup);
    const third = await World.create(store, setup);
    expect([first, second, third].map((w) => w.record.name)).toEqual([
      "Eldoria test",
      "Eldoria test (2)",
      "Eldoria test (3)",
    ]);
    expect(second.setup.name).toBe("Eldoria test (2)");
    expect((await World.open(store, "Eldoria test")).id).toBe(first.id);
    const reopened = await World.open(store, "Eldoria test (2)");
    expect(reopened.id).toBe(second.id);
    expect(reopened.setup.name).toBe("Eldoria test (2)");
    // Worlds stored before names were unique may share one: opening either silently would be a guess.
    await store.db.updateTable("world_worlds").set({ name: "Eldoria test" }).where("id", "=", third.id).execute();
    const refused = await World.open(store, "Eldoria test").catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: "world.ambiguous", exitCode: 2 });
    expect((refused as Error).message).toContain(first.id);
    expect((refused as Error).message).toContain(third.id);
    expect((refused as { hint: string }).hint).toMatch(/Pass one of the ids/);
    expect((await World.open(store, third.id)).id).toBe(third.id);
  });

  it("gives worlds created at the same moment different names (on PostgreSQL each on its own connection)", async () => {
    current = await open("world_names_race");
    const worlds = await Promise.all(Array.from({ length: 4 }, () => World.create(current!.store, setup)));
    expect(worlds.map((w) => w.record.name).sort()).toEqual([
      "Eldoria test",
      "Eldoria test (2)",
      "Eldoria test (3)",
      "Eldoria test (4)",
    ]);
  });
});
