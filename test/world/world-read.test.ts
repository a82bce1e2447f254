// World.read runs after any view that has moved the projection elsewhere, so a reader always sees the branch in view.
import { afterEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../src/store/index.ts";
import { World } from "../../src/world/index.ts";

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

describe("World.read", () => {
  it("waits for a view that moved the projection, then reads the head of the branch in view", async () => {
    store = await openStore({ databaseUrl: ":memory:" });
    const world = await World.create(store, { name: "dock", userName: "Alex", cast: [{ name: "Mara" }] });
    const first = await world.commit({ speaker: "Mara", text: "One.", events: [] });
    await world.commit({ speaker: "Alex", text: "Two.", events: [] });
    let entered = () => {};
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    let leave = () => {};
    const held = new Promise<void>((r) => {
      leave = r;
    });
    const viewing = world.view(first.id, async (p) => {
      entered();
      await held;
      return p.headTurn;
    });
    await inside;
    expect(world.projection.headTurn).toBe(1); // the view has moved it
    const reading = world.read((p) => p.headTurn);
    leave();
    expect(await viewing).toBe(1);
    expect(await reading).toBe(2);
  });
});
