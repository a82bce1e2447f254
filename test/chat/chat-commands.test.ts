// The chat state machine driven without a terminal: input lines in, output lines out, the world's ledger checked.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CHAT_HELP, ChatSession, parseChatInput, runChatLoop } from "../../src/chat/index.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { World } from "../../src/world/index.ts";
import { dockModel } from "./dock-model.ts";

let store: Store;
beforeEach(async () => {
  store = await openStore({ databaseUrl: ":memory:" });
});
afterEach(async () => {
  await store.close();
});

/** A session on a fresh world whose player says `lines` in order and whose extractor puts Alex at the dock. */
async function chat(lines: string[]) {
  const world = await World.create(store, { name: "dock", userName: "Alex", cast: [{ name: "Mara" }], startTime: 0 });
  const out: string[] = [];
  const model = dockModel(lines);
  const session = new ChatSession(world, { generator: model }, { out: (l) => out.push(l) });
  /** The lines printed since the last call. */
  const printed = () => out.splice(0).join("\n");
  return { world, session, printed };
}

describe("parseChatInput", () => {
  it("tells empty input, a spoken line and a command with its argument apart", () => {
    expect(parseChatInput("   ")).toEqual({ kind: "empty" });
    expect(parseChatInput("  Hello there. ")).toEqual({ kind: "line", text: "Hello there." });
    expect(parseChatInput("/why  Alex   at dock ")).toEqual({ kind: "command", name: "why", arg: "Alex at dock" });
    expect(parseChatInput("/quit")).toEqual({ kind: "command", name: "quit", arg: "" });
  });
});

describe("a chat session without a terminal", () => {
  it("opens with the world and cast, prints help, and ends on /quit", async () => {
    const { session, printed } = await chat([]);
    session.start();
    expect(printed()).toMatch(/^dock — branch main, turn 0, .*\nYou are Alex\. Cast: Mara\. \/help for commands\.$/);
    expect(await session.handle("/help")).toBe(true);
    expect(printed()).toBe(CHAT_HELP);
    expect(await session.handle("")).toBe(true);
    expect(printed()).toBe("");
    expect(await session.handle("/nonsense")).toBe(true);
    expect(printed()).toBe("Unknown command /nonsense. /help lists them.");
    expect(await session.handle("/quit")).toBe(false);
    expect(await session.handle("/exit")).toBe(false);
  });

  it("sends a line, swipes, cycles the alternatives and explains the reply", async () => {
    const { world, session, printed } = await chat(["Welcome to the dock.", "The tide is high."]);
    await session.handle("Hello Mara.");
    expect(printed()).toMatch(/Mara: Welcome to the dock\.$/);
    expect(world.head().speaker).toBe("Mara");

    await session.handle("/swipe");
    expect(printed()).toMatch(/Mara: The tide is high\.\n {2}\(alternative 2 of 2; \/prev to go back\)$/);
    expect(world.siblings()).toHaveLength(2);

    await session.handle("/prev");
    expect(printed()).toBe("Mara: Welcome to the dock.\n  (alternative 1 of 2)");
    expect(world.head().text).toBe("Welcome to the dock.");
    await session.handle("/prev");
    expect(printed()).toBe("No other alternative that way.");
    await session.handle("/next-swipe");
    expect(printed()).toBe("Mara: The tide is high.\n  (alternative 2 of 2)");

    await session.handle("/why");
    expect(printed()).toMatch(/^context for Mara at turn 1: \d+\/3000 tokens[\s\S]*\+ recent .*Alex: Hello Mara\./);
    await session.handle("/why Alex at dock");
    expect(printed()).toMatch(/^Alex at dock holds now\n {2}valid from turn 1 .*\nbecause:\n/);
    await session.handle("/why nobody anywhere");
    expect(printed()).toBe('No fact matches "nobody anywhere".');
    await session.handle("/facts");
    expect(printed()).toMatch(/^Alex at dock\s+valid turn 1 \(.*\) → now/);
    await session.handle("/who");
    expect(printed()).toMatch(/\n {2}Mara: /);
  });

  it("refuses to swipe a user's line and explains nothing before a reply", async () => {
    const { session, printed } = await chat([]);
    await session.handle("/why");
    expect(printed()).toBe("No generated line yet.");
    await session.handle("/swipe");
    expect(printed()).toBe("The last turn is not a character's line; nothing to swipe.");
    await session.handle("/as Nobody");
    expect(printed()).toBe('No cast member "Nobody".');
  });

  it("rolls back, undoes, and branches without touching the other branch", async () => {
    const { world, session, printed } = await chat(["One.", "Two."]);
    await session.handle("Hi.");
    await session.handle("/next");
    expect(world.head().turn).toBe(3);
    printed();

    await session.handle("/rollback x");
    expect(printed()).toBe("Usage: /rollback <turn>");
    await session.handle("/undo");
    expect(printed()).toMatch(/^Rolled back to turn 2 \(.*\)\.\nMara: One\.$/);
    await session.handle("/branch");
    expect(printed()).toBe("Usage: /branch <name>");
    await session.handle("/branch side");
    expect(printed()).toBe("Now on branch side (forked at turn 2).");
    await session.handle("/rollback 1");
    expect(world.head().turn).toBe(1);
    await session.handle("/branches");
    expect(printed()).toMatch(/ {2}main {2}turn 2 {2}\w+\n\* side {2}turn 1 {2}\w+$/);

    await session.handle("/switch main");
    expect(printed()).toMatch(/^On branch main, turn 2\.\ndock — branch main, turn 2/);
    expect(world.head().text).toBe("One.");
  });

  it("holds a rule-breaking line: /regen draws a new one, /cancel drops it, nothing is committed meanwhile", async () => {
    const { world, session, printed } = await chat(["Alex nods and pays me.", "Alex agrees.", "Thanks."]);
    await session.handle("Hello Mara.");
    expect(printed()).toMatch(/Mara's line breaks 1 rule\(s\); nothing is committed yet:\n {2}draft: Mara: Alex nods/);
    await session.handle("/branch x");
    expect(printed()).toBe("Decide about the pending line first: /regen, /accept, /drop <n>, /edit <text> or /cancel.");
    await session.handle("/accept 7");
    expect(printed()).toBe("No violation 7.");
    await session.handle("/edit");
    expect(printed()).toBe("Usage: /edit <the line as it should be>");

    await session.handle("/regen");
    expect(printed()).toMatch(/draft: Mara: Alex agrees\./);
    expect(world.head().speaker).toBe("Alex");
    await session.handle("/cancel");
    expect(printed()).toBe("Dropped the draft; nothing was committed.");
    expect(world.head().speaker).toBe("Alex");
    await session.handle("/cancel");
    expect(printed()).toBe("Nothing is pending.");

    await session.handle("/next");
    expect(printed()).toMatch(/Mara: Thanks\.$/);
  });

  it("has nothing to keep before /away", async () => {
    const { session, printed } = await chat([]);
    await session.handle("/keep");
    expect(printed()).toBe("There is no off-screen proposal (use /away <duration>).");
  });
});

describe("runChatLoop", () => {
  it("prompts before each line, reports a failed line and goes on, and stops at /quit", async () => {
    const { session, printed } = await chat(["Ahoy."]);
    async function* input() {
      yield "/switch no-such-branch";
      yield "Hi.";
      yield "/quit";
      yield "never read";
    }
    const events: string[] = [];
    await runChatLoop(session, input(), { out: (l) => events.push(`out ${l}`), prompt: () => events.push("prompt") });
    expect(events[0]).toBe("prompt");
    expect(events[1]).toMatch(/^out error: .*no-such-branch/);
    expect(events.slice(2)).toEqual(["prompt", "prompt"]);
    expect(printed()).toMatch(/Mara: Ahoy\.$/);
  });
});
