import { resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readCardFile, readLorebook, readLorebookFile } from "../../src/cards/index.ts";
import { createFakeModel } from "../../src/llm/index.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import {
  acceptProposal,
  assembleContext,
  commitGreeting,
  currentFacts,
  discardProposal,
  exportWorldLorebook,
  factText,
  setupFromCards,
  simulateOffscreen,
  World,
} from "../../src/world/index.ts";

const CARDS = resolve(import.meta.dirname, "../../../shared/data/cards");

let store: Store;
beforeEach(async () => {
  store = await openStore({ databaseUrl: ":memory:" });
});
afterEach(async () => {
  await store.close();
});

async function seraphina(): Promise<World> {
  const card = await readCardFile(`${CARDS}/default_Seraphina.png`);
  const eldoria = await readLorebookFile(`${CARDS}/Eldoria.json`);
  const world = await World.create(
    store,
    setupFromCards([card], [{ name: "Eldoria.json", book: eldoria }], { userName: "Alex" }),
  );
  await commitGreeting(world);
  return world;
}

describe("a world from a real card", () => {
  it("takes the cast, greeting and both lorebooks from the card and the World Info file", async () => {
    const w = await seraphina();
    expect(w.setup.cast.map((c) => c.name)).toEqual(["Seraphina"]);
    expect(w.setup.lorebooks.map((b) => b.scope)).toEqual(["character", "global"]);
    expect(w.head().text).toMatch(/Seraphina/);
  });

  it("puts activated lore into the context with the engine's reason, and records what it dropped", async () => {
    const w = await seraphina();
    await w.commit({
      speaker: "Alex",
      text: "Tell me about Eldoria.",
      events: [
        {
          kind: "happened",
          payload: { description: "Alex asks", utterance: { speaker: "Alex", text: "Tell me about Eldoria." } },
          witnesses: ["*"],
        },
      ],
    });
    const ctx = assembleContext(w.setup, w.projection, "Seraphina", { budgetTokens: 6000 });
    const lore = ctx.manifest.items.filter((i) => i.kind === "lore" && i.included);
    expect(lore.length).toBeGreaterThan(0);
    expect(lore.some((i) => /key "eldoria"/i.test(i.reason))).toBe(true);
    expect(ctx.messages[0]?.content).toMatch(/Eldoria/);
    const tight = assembleContext(w.setup, w.projection, "Seraphina", { budgetTokens: 900 });
    expect(tight.manifest.items.some((i) => !i.included && /over budget/.test(i.reason))).toBe(true);
  });
});

describe("export as a SillyTavern lorebook", () => {
  it("writes World Info that the cards reader reads back, one entry per entity with its current facts", async () => {
    const w = await seraphina();
    await w.commit({
      events: [
        {
          kind: "changed",
          payload: { op: "set", subject: "Alex", predicate: "at", object: "the glade" },
          witnesses: ["*"],
        },
        {
          kind: "changed",
          payload: { op: "add", subject: "Seraphina", predicate: "holds", object: "amber amulet" },
          witnesses: ["*"],
        },
        { kind: "may_happen", payload: { description: "Shadowfangs return at night", involves: ["Seraphina"] } },
      ],
    });
    const text = exportWorldLorebook(w.projection, w.setup);
    const json = JSON.parse(text) as { entries: Record<string, { key: string[]; content: string; constant: boolean }> };
    const entries = Object.values(json.entries);
    const alex = entries.find((e) => e.key.includes("Alex"));
    expect(alex?.content).toContain("Alex at the glade");
    expect(entries.find((e) => e.key.includes("Seraphina") && /amber amulet/.test(e.content))).toBeDefined();
    expect(entries.some((e) => /Open thread: Shadowfangs return at night/.test(e.content))).toBe(true);
    expect(entries.some((e) => e.constant && /Story time/.test(e.content))).toBe(true);
    const back = readLorebook(text);
    expect(back.book.entries).toHaveLength(entries.length);
  });
});

describe("off-screen simulation", () => {
  const stepFor = (actor: string, object: string) =>
    JSON.stringify({
      action: `${actor} walks to the ${object}`,
      events: [
        { ref: "e1", kind: "changed", description: "moves", op: "set", subject: actor, predicate: "at", object },
      ],
    });

  it("acts on a proposal branch, shows a digest, and reaches main only when accepted", async () => {
    const w = await World.create(store, {
      name: "town",
      userName: "Alex",
      cast: [{ name: "Mara" }, { name: "Joel" }],
      startTime: 0,
    });
    await w.commit({
      events: [
        {
          kind: "changed",
          payload: { op: "set", subject: "Joel", predicate: "status", object: "dead" },
          witnesses: ["*"],
        },
      ],
    });
    const model = createFakeModel({
      script: { offscreen: (t) => stepFor("Mara", t.call ? "mill" : "market") },
    });
    const before = currentFacts(w.projection).map(factText).sort();
    const digest = await simulateOffscreen(w, { elapsedMinutes: 240, model, maxSteps: 2, actors: ["Mara"] });
    expect(digest.branch).toBe("proposal/away-1");
    expect(digest.steps).toHaveLength(2);
    expect(digest.text).toMatch(/Mara: Mara walks to the market/);
    expect(w.current).toBe("main");
    expect(currentFacts(w.projection).map(factText).sort()).toEqual(before);
    await acceptProposal(w, digest.branch);
    expect(currentFacts(w.projection).map(factText)).toContain("Mara at mill");
    expect(w.head().storyTime).toBe(240);

    // A step whose actor is dead is not committed, and the digest says so.
    const second = await simulateOffscreen(w, {
      elapsedMinutes: 60,
      model: createFakeModel({ script: { offscreen: () => stepFor("Joel", "well") } }),
      maxSteps: 1,
      actors: ["Mara"],
    });
    expect(second.steps[0]?.rejected ?? "").toBe("");
    const ghost = await simulateOffscreen(w, {
      elapsedMinutes: 60,
      model: createFakeModel({
        script: {
          offscreen: () =>
            JSON.stringify({
              action: "Joel haunts the well",
              events: [{ ref: "e1", kind: "happened", description: "Joel rises", actor: "Joel" }],
            }),
        },
      }),
      maxSteps: 1,
      actors: ["Mara"],
    });
    expect(ghost.steps[0]?.rejected).toMatch(/Joel is dead/);
    expect(ghost.text).toMatch(/not committed/);
    await discardProposal(w, second.branch);
    await discardProposal(w, ghost.branch);
    expect(currentFacts(w.projection).map(factText)).not.toContain("Joel at well");
    expect(w.branch(second.branch).status).toBe("discarded");
  });
});
