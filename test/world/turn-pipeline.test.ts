import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../src/store/index.ts";
import {
  beliefsOf,
  checkProposal,
  chooseSpeaker,
  commitProposal,
  currentFacts,
  factText,
  openHooks,
  proposeLine,
  proposeUserLine,
  resolveViolation,
  takeTurn,
  World,
  type WorldSetupInput,
} from "../../src/world/index.ts";
import { extraction, scriptedModel } from "./scripted-models.ts";

const setup: WorldSetupInput = {
  name: "Glade",
  userName: "Alex",
  persona: "A traveller.",
  cast: [
    { name: "Seraphina", description: "A forest guardian.", talkativeness: 0.6 },
    { name: "Joel", description: "A hunter.", talkativeness: 0.3 },
  ],
  startTime: 8 * 60,
};

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "troupe-world-"));
  store = await openStore({ home: dir });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const facts = (w: World) =>
  currentFacts(w.projection)
    .map(factText)
    .filter((t) => !/ (type|role) /.test(t))
    .sort();

describe("the turn pipeline", () => {
  it("commits the user's line and a character's reply with extracted events, causes and a manifest", async () => {
    const w = await World.create(store, setup);
    const model = scriptedModel(
      ["Seraphina: Thank you. I will keep the amulet safe."],
      [
        extraction(
          [
            { kind: "happened", description: "Alex gives Seraphina an amulet", actor: "Alex", importance: 6 },
            {
              kind: "changed",
              description: "Seraphina holds the amulet",
              op: "add",
              subject: "Seraphina",
              predicate: "holds",
              object: "amulet",
              causedBy: ["e1"],
            },
            {
              kind: "changed",
              description: "Alex is in the glade",
              op: "set",
              subject: "Alex",
              predicate: "at",
              object: "glade",
            },
          ],
          5,
        ),
        extraction([
          {
            kind: "may_happen",
            description: "Seraphina hides the amulet",
            involves: ["Seraphina"],
            deadlineMinutes: 120,
            importance: 5,
          },
        ]),
      ],
    );
    const user = await proposeUserLine(w, "I give Seraphina the amulet.", { generator: model });
    expect(await checkProposal(w, user)).toEqual([]);
    const userNode = await commitProposal(w, user);
    expect(userNode.storyTime).toBe(8 * 60 + 5);
    expect(facts(w)).toEqual(["Alex at glade", "Seraphina holds amulet"]);
    const holds = currentFacts(w.projection, { subject: "Seraphina", predicate: "holds" })[0];
    expect(w.projection.event(holds?.sourceEvent as string)?.causedBy).toEqual([`${userNode.id}.1`]);

    const outcome = await takeTurn(w, "Seraphina", { generator: model });
    expect(outcome.status).toBe("committed");
    if (outcome.status !== "committed") return;
    expect(outcome.node.text).toBe("Thank you. I will keep the amulet safe.");
    expect(openHooks(w.projection).map((h) => h.description)).toEqual(["Seraphina hides the amulet"]);
    const manifest = outcome.node.meta?.["manifest"] as {
      items: Array<{ kind: string; id: string; included: boolean }>;
    };
    expect(manifest.items.some((i) => i.kind === "knowledge" && i.included)).toBe(true);
    expect(manifest.items.some((i) => i.kind === "recent" && i.id === userNode.id && i.included)).toBe(true);
    // The generator saw only what Seraphina knows: the facts Alex's action established (she witnessed them).
    const prompt = model.calls.find((c) => c.role === "player")?.request.messages[0]?.content ?? "";
    expect(prompt).toContain("Seraphina holds amulet");
  });

  it("keeps a character's prompt to what they know", async () => {
    const w = await World.create(store, setup);
    await w.commit({
      events: [
        {
          kind: "changed",
          payload: { op: "set", subject: "treasure", predicate: "at", object: "cave" },
          witnesses: ["Joel"],
        },
      ],
    });
    await w.commit({
      events: [
        {
          kind: "changed",
          payload: { op: "set", subject: "Joel", predicate: "mood", object: "wary" },
          witnesses: ["*"],
        },
      ],
    });
    const model = scriptedModel(["Hello.", "Hi."], []);
    await takeTurn(w, "Seraphina", { generator: model });
    await takeTurn(w, "Joel", { generator: model });
    const [seraphina, joel] = model.calls
      .filter((c) => c.role === "player")
      .map((c) => c.request.messages[0]?.content ?? "");
    expect(seraphina).not.toContain("treasure at cave");
    expect(seraphina).toContain("Joel mood wary");
    expect(joel).toContain("treasure at cave");
    expect(beliefsOf(w.projection, "Seraphina").map((b) => factText(b.fact))).not.toContain("treasure at cave");
  });

  it("returns violations with options instead of committing, and commits only once each is resolved", async () => {
    const w = await World.create(store, setup);
    await w.commit({
      events: [
        {
          kind: "changed",
          payload: { op: "add", subject: "Joel", predicate: "holds", object: "bow" },
          witnesses: ["*"],
        },
      ],
    });
    const model = scriptedModel(
      ["I take the bow. Alex nods and follows me."],
      [
        extraction([
          {
            kind: "changed",
            description: "Seraphina takes the bow",
            op: "add",
            subject: "Seraphina",
            predicate: "holds",
            object: "bow",
          },
        ]),
      ],
    );
    const before = w.head().id;
    const outcome = await takeTurn(w, "Seraphina", { generator: model });
    expect(outcome.status).toBe("needs_decision");
    if (outcome.status !== "needs_decision") return;
    expect(w.head().id).toBe(before);
    const codes = outcome.violations.map((v) => v.code).sort();
    expect(codes).toEqual(["possession", "user_agency"]);
    for (const v of outcome.violations) expect(v.options.length).toBeGreaterThan(0);
    await expect(commitProposal(w, outcome.proposal, outcome.violations)).rejects.toMatchObject({
      code: "world.unresolved_violations",
    });
    let proposal = outcome.proposal;
    for (const v of outcome.violations) proposal = await resolveViolation(w, proposal, v, "accept_retcon");
    expect(await checkProposal(w, proposal)).toEqual([]);
    const node = await commitProposal(w, proposal);
    expect(facts(w)).toContain("Seraphina holds bow");
    expect(facts(w)).not.toContain("Joel holds bow");
    expect(node.meta?.["acceptedViolations"]).toHaveLength(2);
  });

  it("checks the deterministic invariants: one place, the dead, knowledge, hard facts, attribution", async () => {
    const w = await World.create(store, setup);
    await w.commit({
      events: [
        {
          kind: "changed",
          payload: { op: "set", subject: "Joel", predicate: "at", object: "river" },
          witnesses: ["Joel"],
        },
        {
          kind: "user_edit",
          payload: { op: "set", subject: "moon", predicate: "color", object: "silver", hard: true },
          witnesses: ["*"],
        },
        {
          kind: "changed",
          payload: { op: "set", subject: "Seraphina", predicate: "status", object: "dead" },
          witnesses: ["*"],
        },
      ],
    });
    const model = scriptedModel(
      ["Joel: The moon turned red. Seraphina: I agree."],
      [
        extraction([
          {
            kind: "changed",
            description: "Joel is also at the cave",
            op: "add",
            subject: "Joel",
            predicate: "at",
            object: "cave",
          },
          {
            kind: "changed",
            description: "the moon is red",
            op: "set",
            subject: "moon",
            predicate: "color",
            object: "red",
          },
          { kind: "happened", description: "Seraphina agrees", actor: "Seraphina" },
          {
            kind: "happened",
            description: "Joel reveals the secret",
            actor: "Joel",
            uses: [{ subject: "Alex", predicate: "secret", object: "thief" }],
          },
        ]),
      ],
    );
    await w.commit({
      events: [
        {
          kind: "changed",
          payload: { op: "set", subject: "Alex", predicate: "secret", object: "thief" },
          witnesses: ["Alex"],
        },
      ],
    });
    const outcome = await takeTurn(w, "Joel", { generator: model });
    expect(outcome.status).toBe("needs_decision");
    if (outcome.status !== "needs_decision") return;
    const codes = outcome.violations.map((v) => v.code).sort();
    expect(codes).toEqual(["attribution", "dead_actor", "hard_fact", "knowledge", "location"]);
  });

  it("regenerates as a sibling swipe and leaves no trace of the discarded line", async () => {
    const w = await World.create(store, setup);
    const model = scriptedModel(
      ["A wolf appears!", "All is calm."],
      [
        extraction([
          {
            kind: "changed",
            description: "a wolf is here",
            op: "set",
            subject: "wolf",
            predicate: "at",
            object: "glade",
          },
        ]),
        extraction([
          { kind: "changed", description: "calm", op: "set", subject: "Joel", predicate: "mood", object: "calm" },
        ]),
      ],
    );
    const first = await takeTurn(w, "Joel", { generator: model });
    expect(first.status).toBe("committed");
    expect(facts(w)).toEqual(["wolf at glade"]);
    const parent = w.head().parent as string;
    const again = await proposeLine(w, "Joel", { generator: model }, { parent, generationType: "swipe" });
    await commitProposal(w, again, await checkProposal(w, again));
    expect(w.siblings()).toHaveLength(2);
    expect(facts(w)).toEqual(["Joel mood calm"]);
  });

  it("chooses the next speaker from world state and says why", async () => {
    const w = await World.create(store, setup);
    await w.commit({
      speaker: "Alex",
      text: "Joel, where is the river?",
      events: [
        {
          kind: "happened",
          payload: { description: "Alex asks", utterance: { speaker: "Alex", text: "Joel, where is the river?" } },
          witnesses: ["*"],
        },
      ],
    });
    const choice = chooseSpeaker(w.projection, w.setup);
    expect(choice.speaker).toBe("Joel");
    expect(choice.reason).toMatch(/addressed by Alex/);
    await w.commit({
      events: [
        {
          kind: "changed",
          payload: { op: "set", subject: "Joel", predicate: "at", object: "far away" },
          witnesses: ["*"],
        },
        {
          kind: "changed",
          payload: { op: "set", subject: "Alex", predicate: "at", object: "glade" },
          witnesses: ["*"],
        },
      ],
    });
    const next = chooseSpeaker(w.projection, w.setup);
    expect(next.speaker).toBe("Seraphina");
    expect(next.scores.find((s) => s.name === "Joel")?.why[0]).toMatch(/absent/);
    expect(chooseSpeaker(w.projection, w.setup, { mode: "round_robin" }).speaker).toBe("Seraphina");
    expect(() => chooseSpeaker(w.projection, w.setup, { mode: "manual", manual: "Nobody" })).toThrow(/not one/);
  });
});
