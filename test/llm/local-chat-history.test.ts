import { describe, expect, it } from "vitest";
import { DEFAULT_LOCAL_SYSTEM_PROMPT, toLocalChatHistory } from "../../src/llm/providers/local-chat-history.ts";

describe("toLocalChatHistory", () => {
  it("adds the short default system prompt when the conversation has none", () => {
    expect(toLocalChatHistory([{ role: "user", content: "hi" }])).toEqual([
      { type: "system", text: DEFAULT_LOCAL_SYSTEM_PROMPT },
      { type: "user", text: "hi" },
    ]);
    expect(toLocalChatHistory([{ role: "user", content: "hi" }], "Be brief.")[0]).toEqual({
      type: "system",
      text: "Be brief.",
    });
  });

  it("maps system, user and assistant turns in order and keeps a trailing assistant turn as a prefill", () => {
    expect(
      toLocalChatHistory([
        { role: "system", content: "You are Mira." },
        { role: "user", content: "Hello" },
        { role: "assistant", content: "Hi there." },
        { role: "user", content: "Tell me more" },
        { role: "assistant", content: "Well," },
      ]),
    ).toEqual([
      { type: "system", text: "You are Mira." },
      { type: "user", text: "Hello" },
      { type: "model", response: ["Hi there."] },
      { type: "user", text: "Tell me more" },
      { type: "model", response: ["Well,"] },
    ]);
  });

  it("folds MiniMax's role-play roles into the system message like every other provider", () => {
    const history = toLocalChatHistory([
      { role: "system", content: "You are Mira, a ship's cat." },
      { role: "user_system", content: "A tired sailor.", name: "Tom" },
      { role: "group", content: "The harbour at night" },
      { role: "sample_message_user", content: "Evening, cat.", name: "Tom" },
      { role: "sample_message_ai", content: "*purrs*", name: "Mira" },
      { role: "user", content: "Anyone here?", name: "Tom" },
    ]);
    expect(history).toHaveLength(2);
    const system = history[0];
    expect(system?.type).toBe("system");
    const text = system?.type === "system" ? String(system.text) : "";
    expect(text.startsWith("You are Mira, a ship's cat.")).toBe(true);
    expect(text).toContain("The user's persona (Tom): A tired sailor.");
    expect(text).toContain("Scene: The harbour at night");
    expect(text).toContain("Tom: Evening, cat.");
    expect(text).toContain("Mira: *purrs*");
    expect(history[1]).toEqual({ type: "user", text: "Tom: Anyone here?" });
  });

  it("names assistant turns only when several characters speak", () => {
    const one = toLocalChatHistory([
      { role: "user", content: "a" },
      { role: "assistant", content: "b", name: "Mira" },
    ]);
    expect(one[2]).toEqual({ type: "model", response: ["b"] });
    const two = toLocalChatHistory([
      { role: "user", content: "a" },
      { role: "assistant", content: "b", name: "Mira" },
      { role: "assistant", content: "c", name: "Ash" },
    ]);
    expect(two.slice(2)).toEqual([
      { type: "model", response: ["Mira: b"] },
      { type: "model", response: ["Ash: c"] },
    ]);
  });

  it("merges consecutive system messages", () => {
    expect(
      toLocalChatHistory([
        { role: "system", content: "One." },
        { role: "system", content: "Two." },
        { role: "user", content: "x" },
      ])[0],
    ).toEqual({ type: "system", text: "One.\n\nTwo." });
  });
});
