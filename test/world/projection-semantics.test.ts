import { describe, expect, it } from "vitest";
import { knowledgeOf } from "../../src/world/fact-knowledge.ts";
import {
  beliefsOf,
  currentFacts,
  diff,
  factText,
  findFacts,
  memoriesOf,
  openHooks,
  stateAt,
  summariesOf,
  why,
} from "../../src/world/index.ts";
import { memoryWorld, set } from "./world-helpers.ts";

const texts = (facts: Array<{ subject: string; predicate: string; object: string }>) => facts.map(factText).sort();

describe("facts over story time and turns", () => {
  it("a contradicting change closes the old version instead of deleting it", () => {
    const w = memoryWorld();
    w.commit([set("Mara", "at", "tavern")], 60);
    w.commit([set("Mara", "at", "forest")], 120);
    expect(texts(currentFacts(w.p, { subject: "Mara" }))).toEqual(["Mara at forest"]);
    const [old] = findFacts(w.p, "Mara at tavern");
    expect(old?.validFrom).toEqual({ turn: 1, storyTime: 60 });
    expect(old?.validTo).toEqual({ turn: 2, storyTime: 120 });
    expect(texts(stateAt(w.p, { turn: 1 }).facts)).toEqual(["Mara at tavern"]);
    expect(texts(stateAt(w.p, { storyTime: 90 }).facts)).toEqual(["Mara at tavern"]);
    expect(texts(stateAt(w.p, { storyTime: 500 }).facts)).toEqual(["Mara at forest"]);
  });

  it("add keeps several values; remove ends one; '*' ends all", () => {
    const w = memoryWorld();
    w.commit([
      { kind: "changed", payload: { op: "add", subject: "Mara", predicate: "holds", object: "key" } },
      { kind: "changed", payload: { op: "add", subject: "Mara", predicate: "holds", object: "map" } },
    ]);
    w.commit([{ kind: "changed", payload: { op: "remove", subject: "Mara", predicate: "holds", object: "key" } }]);
    expect(texts(currentFacts(w.p))).toEqual(["Mara holds map"]);
    w.commit([{ kind: "changed", payload: { op: "remove", subject: "Mara", predicate: "holds", object: "*" } }]);
    expect(currentFacts(w.p)).toEqual([]);
  });

  it("a retroactive edit supersedes (record time) and truncates, and as-recorded queries still see the old belief", () => {
    const w = memoryWorld();
    w.commit([set("Mara", "at", "tavern")], 60); // turn 1
    w.commit([{ kind: "happened", payload: { description: "time passes" } }], 600); // turn 2
    w.commit([{ kind: "happened", payload: { description: "later" } }], 1200); // turn 3
    // Turn 4: the user retcons — Mara went to the forest at minute 600.
    w.commit(
      [
        {
          kind: "user_edit",
          payload: { op: "set", subject: "Mara", predicate: "at", object: "forest", validFrom: 600 },
        },
      ],
      1300,
    );
    expect(texts(currentFacts(w.p))).toEqual(["Mara at forest"]);
    // As known now: at turn 2 (minute 600) she was in the forest; at turn 1 in the tavern.
    expect(texts(stateAt(w.p, { turn: 2 }).facts)).toEqual(["Mara at forest"]);
    expect(texts(stateAt(w.p, { turn: 1 }).facts)).toEqual(["Mara at tavern"]);
    // As recorded at turn 3 (before the edit), the ledger believed she was still in the tavern.
    expect(texts(stateAt(w.p, { turn: 3, asRecorded: true }).facts)).toEqual(["Mara at tavern"]);
    const original = w.p.facts.get("t1.0");
    expect(original?.supersededTurn).toBe(4);
    expect(original?.validTo).toBeUndefined();
  });

  it("diff lists what began and ended between two turns with the events in between", () => {
    const w = memoryWorld();
    w.commit([set("Mara", "at", "tavern")]);
    w.commit([set("Mara", "at", "forest"), set("Joel", "mood", "angry")]);
    const d = diff(w.p, w.ledger, 1, 2);
    expect(texts(d.began)).toEqual(["Joel mood angry", "Mara at forest"]);
    expect(texts(d.ended)).toEqual(["Mara at tavern"]);
    expect(d.events).toHaveLength(2);
  });
});

describe("why a fact holds", () => {
  it("walks the causal chain back to its roots", () => {
    const w = memoryWorld();
    const t1 = w.commit([{ kind: "happened", payload: { description: "Joel finds a key", actor: "Joel" } }]);
    const t2 = w.commit([
      {
        kind: "happened",
        payload: { description: "Joel gives Mara the key", actor: "Joel" },
        causedBy: [`${t1.id}.0`],
      },
      { kind: "changed", payload: { op: "add", subject: "Mara", predicate: "holds", object: "key" }, causedBy: ["#0"] },
    ]);
    const [fact] = findFacts(w.p, "Mara holds key");
    const answer = why(w.p, fact?.id as string);
    expect(answer.holdsNow).toBe(true);
    expect(answer.chain.event.id).toBe(`${t2.id}.1`);
    expect(answer.chain.causes[0]?.event.id).toBe(`${t2.id}.0`);
    expect(answer.chain.causes[0]?.causes[0]?.event.id).toBe(`${t1.id}.0`);
  });
});

describe("per-character knowledge", () => {
  it("a character keeps a stale belief until they see the change or are told", () => {
    const w = memoryWorld();
    w.commit([set("Mara", "at", "tavern", ["Joel", "Ann"])]);
    w.commit([set("Mara", "at", "forest", ["Joel"])]);
    const ann = beliefsOf(w.p, "Ann").map((b) => [factText(b.fact), b.stale]);
    expect(ann).toEqual([["Mara at tavern", true]]);
    const joel = beliefsOf(w.p, "Joel").map((b) => [factText(b.fact), b.stale]);
    expect(joel).toEqual([["Mara at forest", false]]);
    expect(beliefsOf(w.p, "Rook")).toEqual([]);
    w.commit([
      {
        kind: "happened",
        payload: {
          description: "Joel tells Ann",
          actor: "Joel",
          tells: { to: ["Ann"], facts: [{ subject: "Mara", predicate: "at", object: "" }] },
        },
      },
    ]);
    const annNow = beliefsOf(w.p, "Ann").map((b) => [factText(b.fact), b.stale]);
    expect(annNow).toEqual([["Mara at forest", false]]);
    expect(knowledgeOf(w.p, "t2.0").find((k) => k.who === "Ann")).toMatchObject({ how: "told", via: "Joel" });
  });

  it("memories hold only what a character perceived", () => {
    const w = memoryWorld();
    w.commit([{ kind: "happened", payload: { description: "secret meeting", actor: "Joel" }, witnesses: ["Mara"] }]);
    w.commit([{ kind: "happened", payload: { description: "public bell" }, witnesses: ["*"] }]);
    expect(memoriesOf(w.p, "Mara").map((e) => e.payload)).toHaveLength(2);
    expect(memoriesOf(w.p, "Ann").map((e) => (e.payload as { description: string }).description)).toEqual([
      "public bell",
    ]);
  });
});

describe("hooks, strikes and summaries", () => {
  it("hooks stay open until resolved and report overdue deadlines", () => {
    const w = memoryWorld();
    const t = w.commit([{ kind: "may_happen", payload: { description: "the guards come", deadline: 100 } }], 10);
    expect(openHooks(w.p).map((h) => h.overdue)).toEqual([false]);
    w.commit([{ kind: "happened", payload: { description: "late" } }], 200);
    expect(openHooks(w.p).map((h) => h.overdue)).toEqual([true]);
    w.commit([{ kind: "happened", payload: { description: "guards arrive", resolves: [`${t.id}.0`] } }]);
    expect(openHooks(w.p)).toEqual([]);
  });

  it("striking an event supersedes what it and its consequences asserted and invalidates summaries citing it", () => {
    const w = memoryWorld();
    const t1 = w.commit([
      { kind: "happened", payload: { description: "Mara is poisoned" } },
      {
        kind: "changed",
        payload: { op: "set", subject: "Mara", predicate: "status", object: "sick" },
        causedBy: ["#0"],
      },
    ]);
    w.commit([{ kind: "summary", payload: { text: "Mara fell ill", cites: [`${t1.id}.0`], fromTurn: 1, toTurn: 1 } }]);
    expect(summariesOf(w.p)[0]?.valid).toBe(true);
    w.commit([{ kind: "user_edit", payload: { op: "strike", eventId: `${t1.id}.0` } }]);
    expect(currentFacts(w.p, { subject: "Mara" })).toEqual([]);
    expect(summariesOf(w.p)[0]?.valid).toBe(false);
    expect(w.p.struck.has(`${t1.id}.1`)).toBe(true);
  });

  it("rolling back leaves no ghost: facts, hooks, knowledge and summaries of undone turns vanish", () => {
    const w = memoryWorld();
    const t1 = w.commit([set("Mara", "at", "tavern", ["Joel"])]);
    w.commit([
      set("Mara", "at", "forest", ["Joel"]),
      { kind: "may_happen", payload: { description: "wolves" } },
      { kind: "summary", payload: { text: "s", cites: [`${t1.id}.0`], fromTurn: 1, toTurn: 1 } },
    ]);
    w.goto(t1.id);
    expect(texts(currentFacts(w.p))).toEqual(["Mara at tavern"]);
    expect(openHooks(w.p)).toEqual([]);
    expect(summariesOf(w.p)).toEqual([]);
    expect(beliefsOf(w.p, "Joel").map((b) => factText(b.fact))).toEqual(["Mara at tavern"]);
  });
});
