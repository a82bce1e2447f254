import { describe, expect, it } from "vitest";
import { type CharacterCardV3, normalizeCard } from "../../src/cards/index.ts";
import {
  characterPrompt,
  chooseDisplayOrder,
  LoreCache,
  orderPropensity,
  type PromptCharacter,
} from "../../src/chat/index.ts";
import { createRng } from "../../src/core/index.ts";
import type { ChatMessage } from "../../src/llm/index.ts";

function card(data: Record<string, unknown>): CharacterCardV3 {
  return normalizeCard({ spec: "chara_card_v3", spec_version: "3.0", data }, "json").card;
}

const history = (n: number): ChatMessage[] =>
  Array.from({ length: n }, (_, i) => ({
    role: i % 2 === 0 ? "user" : "assistant",
    content: `line ${i} about nothing much`,
  }));

describe("characterPrompt", () => {
  it("lays out system prompt, card, persona, examples, history and post-history instructions", () => {
    const character: PromptCharacter = {
      id: "c1",
      version: 1,
      card: card({
        name: "Mira",
        nickname: "Mi",
        system_prompt: "{{original}} Stay terse.",
        description: "{{char}} keeps the lighthouse.",
        personality: "dry",
        scenario: "{{user}} arrives in a storm.",
        mes_example: "<START>\n{{user}}: Hi\n{{char}}: Door's open.\nIt always is.",
        post_history_instructions: "Reply as {{char}} only.",
      }),
    };
    const { messages, manifest } = characterPrompt({
      character,
      persona: { name: "Ada", description: "A sailor." },
      history: [{ role: "user", content: "Hello" }],
    });
    expect(messages[0]!.role).toBe("system");
    expect(messages[0]!.content).toContain("Write Mi's next reply in a fictional chat between Mi and Ada. Stay terse.");
    expect(messages[0]!.content).toContain("Mi keeps the lighthouse.");
    expect(messages[0]!.content).toContain("Mi's personality: dry");
    expect(messages[0]!.content).toContain("Scenario: Ada arrives in a storm.");
    expect(messages[1]).toEqual({ role: "user_system", name: "Ada", content: "A sailor." });
    expect(messages[2]).toEqual({ role: "sample_message_user", name: "Ada", content: "Hi" });
    expect(messages[3]).toEqual({ role: "sample_message_ai", name: "Mi", content: "Door's open.\nIt always is." });
    expect(messages[4]).toEqual({ role: "user", content: "Hello" });
    expect(messages[5]).toEqual({ role: "system", content: "Reply as Mi only." });
    expect(manifest).toMatchObject({ template: "character-v1", examples: 2, history: 1, persona: "Ada" });
  });

  it("scans only the window the lorebook asks for, with the book compiled once per version", () => {
    const entries = Array.from({ length: 10_000 }, (_, i) => ({
      keys: [`keyword${i}`],
      content: `Lore number ${i}.`,
      extensions: {},
      enabled: true,
      insertion_order: i,
      use_regex: false,
    }));
    entries[9_999]!.content = "The old lighthouse was built in 1820.";
    entries[9_999]!.keys = ["lighthouse"];
    const character: PromptCharacter = {
      id: "big",
      version: 3,
      card: card({ name: "Keeper", character_book: { scan_depth: 4, extensions: {}, entries } }),
    };
    const cache = new LoreCache();
    const long = history(1_000);
    // The key appears only long ago: outside the window, it must not activate.
    long[10] = { role: "user", content: "Tell me about the lighthouse." };
    const quiet = characterPrompt({ character, history: long, loreCache: cache });
    expect(quiet.manifest.loreScanned).toBe(4);
    expect(quiet.manifest.lore).toEqual([]);
    const recent = [...long, { role: "user" as const, content: "And the lighthouse?" }];
    const found = characterPrompt({ character, history: recent, loreCache: cache });
    expect(found.manifest.lore.map((l) => l.title === "" || l.uid)).toHaveLength(1);
    expect(found.messages[0]!.content).toContain("The old lighthouse was built in 1820.");
    expect(found.messages).toHaveLength(1 + recent.length);
    const key = { characterId: "big", version: 3, user: "User", char: "Keeper" };
    const book = character.card.data.character_book!;
    expect(cache.get(key, book)).toBe(cache.get(key, book));
    expect(cache.get({ ...key, version: 4 }, book)).not.toBe(cache.get(key, book));
  });

  it("places depth lore inside the history", () => {
    const character: PromptCharacter = {
      id: "d",
      version: 1,
      card: card({
        name: "D",
        character_book: {
          extensions: {},
          entries: [
            {
              keys: ["bell"],
              content: "The bell is cracked.",
              extensions: { position: 4, depth: 1, role: 0 },
              enabled: true,
              insertion_order: 1,
              use_regex: false,
            },
          ],
        },
      }),
    };
    const { messages } = characterPrompt({
      character,
      history: [
        { role: "user", content: "Ring the bell" },
        { role: "assistant", content: "Done." },
      ],
    });
    expect(messages.map((m) => m.content)).toEqual([
      expect.any(String),
      "Ring the bell",
      "The bell is cracked.",
      "Done.",
    ]);
  });
});

describe("display order", () => {
  it("has the propensity share/k! + (1 - share)·[identity]", () => {
    expect(orderPropensity([0, 1, 2], 0.1)).toBeCloseTo(0.1 / 6 + 0.9, 12);
    expect(orderPropensity([2, 0, 1], 0.1)).toBeCloseTo(0.1 / 6, 12);
    expect(chooseDisplayOrder(1, 1, createRng(1))).toEqual({ order: [0], randomized: false, propensity: 1 });
  });

  it("randomizes about `share` of requests, uniformly over permutations, reproducibly from the seed", () => {
    const rng = createRng(42);
    const counts = new Map<string, number>();
    let randomized = 0;
    for (let i = 0; i < 6_000; i++) {
      const d = chooseDisplayOrder(3, 0.5, rng);
      if (d.randomized) randomized++;
      counts.set(d.order.join(""), (counts.get(d.order.join("")) ?? 0) + 1);
      expect(d.propensity).toBeCloseTo(orderPropensity(d.order, 0.5), 12);
    }
    expect(randomized).toBeGreaterThan(2_700);
    expect(randomized).toBeLessThan(3_300);
    for (const perm of ["012", "021", "102", "120", "201", "210"]) expect(counts.get(perm)).toBeGreaterThan(350);
    const a = chooseDisplayOrder(4, 1, createRng(9));
    const b = chooseDisplayOrder(4, 1, createRng(9));
    expect(a).toEqual(b);
  });
});
