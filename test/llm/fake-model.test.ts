import { describe, expect, it } from "vitest";
import { collectStream, createFakeModel, LlmError } from "../../src/llm/index.ts";

const convo = (assistantTurns: number) => ({
  messages: [
    { role: "user" as const, content: "start" },
    ...Array.from({ length: assistantTurns }, (_, i) => [
      { role: "assistant" as const, content: `a${i}` },
      { role: "user" as const, content: `u${i}` },
    ]).flat(),
  ],
});

describe("fake model", () => {
  it("scripts replies by role and conversation turn, repeating the last", async () => {
    const model = createFakeModel({
      script: { player: ["p0", "p1"], "user-sim": (t) => `sim turn ${t.turn} call ${t.call}` },
    });
    expect((await model.chat(convo(0), { role: "player" })).text).toBe("p0");
    expect((await model.chat(convo(1), { role: "player" })).text).toBe("p1");
    expect((await model.chat(convo(5), { role: "player" })).text).toBe("p1");
    expect((await model.chat(convo(2), { role: "user-sim" })).text).toBe("sim turn 2 call 0");
    expect(model.id).toBe("fake:scripted");
    expect(model.provider).toBe("fake");
  });

  it("is deterministic without a script and varies with role, seed and run", async () => {
    const a = createFakeModel();
    const b = createFakeModel();
    const same = await a.chat(convo(1), { role: "judge", seed: 1 });
    expect((await b.chat(convo(1), { role: "judge", seed: 1 })).text).toBe(same.text);
    expect((await b.chat(convo(1), { role: "judge", seed: 2 })).text).not.toBe(same.text);
    expect((await b.chat(convo(1), { role: "judge", seed: 1, runIndex: 2 })).text).not.toBe(same.text);
    expect((await b.chat(convo(1), { role: "player", seed: 1 })).text).not.toBe(same.text);
  });

  it("streams in pieces and throws scripted errors", async () => {
    const model = createFakeModel({
      chunkChars: 2,
      script: { default: ["abcde"], judge: [new LlmError("server", "x")] },
    });
    const pieces: string[] = [];
    for await (const c of model.stream(convo(0))) if (c.type === "delta") pieces.push(c.text);
    expect(pieces).toEqual(["ab", "cd", "e"]);
    await expect(collectStream(model.stream(convo(0), { role: "judge" }))).rejects.toMatchObject({ kind: "server" });
  });
});
