// One World per id per process, reopened when another process (here: a second registry on the same database)
// moved its branch heads or its active branch; kept when nothing moved. On SQLite and PostgreSQL.
import { afterAll, describe, expect, it } from "vitest";
import { WorldRegistry } from "../../src/server/world-registry.ts";
import { branchHeads, EVERYONE, World } from "../../src/world/index.ts";
import { storeFactories, type TestStore } from "../support/stores.ts";

const opened: TestStore[] = [];
afterAll(async () => {
  for (const db of opened) await db.cleanup();
});

const line = (speaker: string, text: string) => ({
  speaker,
  text,
  events: [
    {
      kind: "happened" as const,
      payload: { description: `${speaker} speaks`, utterance: { speaker, text }, importance: 1 },
      witnesses: [EVERYONE],
    },
  ],
});

describe.each(await storeFactories())("world registry (%s)", (_name, open) => {
  it("hands out the same world while the database agrees, and a fresh one once another process moved it", async () => {
    const db = await open("world_registry");
    opened.push(db);
    const created = await World.create(db.store, { name: "pier", userName: "Alex", cast: [{ name: "Mara" }] });
    const here = new WorldRegistry(db.store);
    const there = new WorldRegistry(db.store);

    const a = await here.get(created.id);
    expect(await here.get(created.id)).toBe(a);

    // Another process commits a line: this one sees its head moved and reads the world again.
    const b = await there.get(created.id);
    const node = await b.commit(line("Mara", "Ahoy."));
    const fresh = await here.get(created.id);
    expect(fresh).not.toBe(a);
    expect(fresh.head().id).toBe(node.id);
    expect(await here.get(created.id)).toBe(fresh);

    // A commit made through the world this process holds needs no reopening.
    const mine = await fresh.commit(line("Alex", "Hello."));
    expect(await here.get(created.id)).toBe(fresh);
    expect(fresh.head().id).toBe(mine.id);

    // A new branch checked out elsewhere is a change too (heads and the active branch).
    const other = await there.get(created.id);
    expect(other.head().id).toBe(mine.id);
    await other.createBranch("alt", { from: node.id, checkout: true });
    const moved = await here.get(created.id);
    expect(moved).not.toBe(fresh);
    expect(moved.current).toBe("alt");
    expect(moved.head().id).toBe(node.id);

    const heads = await branchHeads(db.store, created.id);
    expect(heads.active).toBe("alt");
    expect(heads.branches.map((x) => [x.name, x.head])).toEqual([
      ["alt", node.id],
      ["main", mine.id],
    ]);
  });

  it("keeps a world created by this process, and fails for an unknown id without caching the failure", async () => {
    const db = await open("world_registry_add");
    opened.push(db);
    const registry = new WorldRegistry(db.store);
    const world = await World.create(db.store, { name: "cove", userName: "Alex", cast: [{ name: "Jun" }] });
    registry.add(world);
    expect(await registry.get(world.id)).toBe(world);
    await expect(registry.get("w-missing")).rejects.toThrow();
    await expect(registry.get("w-missing")).rejects.toThrow();
  });

  it("keeps at most `limit` worlds open, dropping the least recently used, and forgets a world when told", async () => {
    const db = await open("world_registry_limit");
    opened.push(db);
    const registry = new WorldRegistry(db.store, 2);
    const ids: string[] = [];
    for (const name of ["a", "b", "c"])
      ids.push((await World.create(db.store, { name, userName: "Alex", cast: [{ name: "Jun" }] })).id);
    const [a, b, c] = ids as [string, string, string];
    const first = await registry.get(a);
    await registry.get(b);
    expect(await registry.get(a)).toBe(first);
    await registry.get(c);
    // b was the least recently used: a stays open, b is read again.
    expect(await registry.get(a)).toBe(first);
    const second = await registry.get(c);
    registry.forget(c);
    expect(await registry.get(c)).not.toBe(second);
  });
});
