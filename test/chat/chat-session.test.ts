import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatSession } from "../../src/chat/index.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { currentFacts, factText, World } from "../../src/world/index.ts";
import { dockModel } from "./dock-model.ts";

let store: Store;
beforeEach(async () => {
  store = await openStore({ databaseUrl: ":memory:" });
});
afterEach(async () => {
  await store.close();
});

function session(world: World, lines: string[], director?: "auto" | "manual") {
  const out: string[] = [];
  const model = dockModel(lines);
  const s = new ChatSession(
    world,
    { generator: model },
    { out: (l) => out.push(l), ...(director ? { director } : {}) },
  );
  return { s, out, text: () => out.join("\n") };
}

describe("the chat session", () => {
  it("holds a line that breaks a rule until the user decides, then commits the accepted version", async () => {
    const w = await World.create(store, { name: "dock", userName: "Alex", cast: [{ name: "Mara" }], startTime: 0 });
    const { s, text } = session(w, ["Alex nods and pays me.", "Thanks."]);
    await s.handle("Hello Mara.");
    expect(text()).toMatch(/Mara's line breaks 1 rule\(s\); nothing is committed yet/);
    expect(w.head().speaker).toBe("Alex");
    await s.handle("I say more."); // refused while a decision is pending
    expect(text()).toMatch(/Decide about the pending line first/);
    await s.handle("/accept 1");
    expect(w.head().speaker).toBe("Mara");
    expect(w.head().meta?.["acceptedViolations"]).toHaveLength(1);
    await s.handle("/why Alex at dock");
    expect(text()).toMatch(/Alex at dock holds now/);
  });

  it("lets the user edit a held line, branch, pass time, and accept what happened off-screen", async () => {
    const w = await World.create(store, { name: "dock", userName: "Alex", cast: [{ name: "Mara" }], startTime: 0 });
    const { s, text } = session(w, ["Alex: yes. Mara: no."]);
    await s.handle("Hi.");
    await s.handle("/edit I wave back.");
    expect(w.head().text).toBe("I wave back.");
    await s.handle("/branch quiet");
    expect(w.current).toBe("quiet");
    await s.handle("/time 2h");
    expect(text()).toMatch(/Story time is now day 1 02:10/);
    await s.handle("/away 3h");
    expect(text()).toMatch(/While Alex was away/);
    await s.handle("/keep");
    expect(currentFacts(w.projection).map(factText)).toContain("Mara mood pleased");
  });

  it("in manual mode nobody answers until the user names a speaker", async () => {
    const w = await World.create(store, {
      name: "dock",
      userName: "Alex",
      cast: [{ name: "Mara" }, { name: "Joel" }],
      startTime: 0,
    });
    const { s, text } = session(w, ["Joel here."], "manual");
    await s.handle("Anyone?");
    expect(text()).toMatch(/manual mode: choose who answers with \/as <name>/);
    expect(w.head().speaker).toBe("Alex");
    await s.handle("/as Joel");
    expect(w.head().speaker).toBe("Joel");
    await s.handle("/undo");
    expect(w.head().speaker).toBe("Alex");
  });
});
