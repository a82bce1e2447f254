// A world turn streamed through `model.stream`: the pieces add up to the proposal's text (speaker label and outer
// whitespace never shown), and the proposal is the one a non-streamed call makes.
import { afterEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../src/store/index.ts";
import { proposeLine, stripSpeaker, visibleLine, World } from "../../src/world/index.ts";
import { at, startWorldFake, type WorldFake } from "./world-chat-fake.ts";

let fake: WorldFake | undefined;
let store: Store | undefined;
afterEach(async () => {
  await fake?.close();
  await store?.close();
  fake = undefined;
  store = undefined;
});

const dock = { name: "dock", userName: "Alex", cast: [{ name: "Mara" }], startTime: 0 };

describe("visibleLine", () => {
  it("shows, for every prefix of a stream, a prefix of the line that is finally stored", () => {
    const streams = [
      "Mara: Welcome aboard, traveller.  ",
      "  **Mara**  :   Hello there",
      "Marathon runners pass by.",
      "mara:hi",
      "Mara",
      "Ma: not the label",
      "   ",
      "She smiles.\n\nThen waits. ",
    ];
    for (const full of streams) {
      const final = stripSpeaker(full, "Mara");
      let shown = "";
      for (let i = 0; i <= full.length; i++) {
        const visible = visibleLine(full.slice(0, i), "Mara");
        expect(final.startsWith(visible), `${JSON.stringify(full.slice(0, i))} → ${JSON.stringify(visible)}`).toBe(
          true,
        );
        expect(visible.startsWith(shown)).toBe(true);
        shown = visible;
      }
    }
  });

  it("holds back a name that may still turn into the speaker's label", () => {
    expect(visibleLine("Mar", "Mara")).toBe("");
    expect(visibleLine("Mara :", "Mara")).toBe("");
    expect(visibleLine("Mara: W", "Mara")).toBe("W");
    expect(visibleLine("Mark", "Mara")).toBe("Mark");
  });
});

describe("proposeLine with onDelta", () => {
  it("streams the line piece by piece, and the pieces equal the proposal's text and a non-streamed call's", async () => {
    const reply = "Mara: Welcome aboard, traveller. The tide turns at dusk.  ";
    fake = await startWorldFake({ lines: [reply, reply], extract: (s) => (s === "Mara" ? [at("Mara", "dock")] : []) });
    store = await openStore({ databaseUrl: ":memory:" });
    const world = await World.create(store, dock, { ids: counter() });
    const pieces: string[] = [];
    const streamed = await proposeLine(world, "Mara", { generator: fake.model }, { onDelta: (t) => pieces.push(t) });
    expect(pieces.length).toBeGreaterThan(5);
    expect(pieces.join("")).toBe(streamed.text);
    expect(streamed.text).toBe("Welcome aboard, traveller. The tide turns at dusk.");

    const plain = await proposeLine(world, "Mara", { generator: fake.model });
    expect(plain.text).toBe(streamed.text);
    expect(plain.drafts).toEqual(streamed.drafts);
    expect(plain.storyTime).toBe(streamed.storyTime);
    expect(plain.manifest).toEqual(streamed.manifest);
    expect(fake.lineRequests().map((r) => r.stream)).toEqual([true, false]);
  });

  it("passes the abort signal to the stream: an aborted line throws and proposes nothing", async () => {
    fake = await startWorldFake({ lines: ["Mara: This line is cut off halfway through."] });
    store = await openStore({ databaseUrl: ":memory:" });
    const world = await World.create(store, dock);
    const controller = new AbortController();
    const pieces: string[] = [];
    const attempt = proposeLine(
      world,
      "Mara",
      { generator: fake.model },
      {
        signal: controller.signal,
        onDelta: (t) => {
          pieces.push(t);
          controller.abort();
        },
      },
    );
    await expect(attempt).rejects.toThrow();
    expect(pieces.length).toBeGreaterThan(0);
    expect(world.head().turn).toBe(0);
  });
});

function counter() {
  let n = 0;
  return () => `n${++n}`;
}
