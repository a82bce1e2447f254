import { describe, expect, it } from "vitest";
import { createFakeModel } from "../../src/llm/index.ts";
import { createWorldPlayer, currentFacts, factText } from "../../src/world/index.ts";

const scenario = {
  id: "s1",
  lang: "en",
  aiName: "Mara",
  aiSetting: "A smuggler in a port town.",
  userName: "Alex",
  userSetting: "A customs officer.",
  aiPrologue: "Mara leans on the crates.",
  initialUserInput: "What's in the crates?",
  tags: [],
  world: { facts: [{ subject: "crates", predicate: "at", object: "the pier", hard: true }] },
};

describe("the world-aware bench player", () => {
  it("plays turns through the world engine, regenerating a line that breaks an invariant", async () => {
    const model = createFakeModel({
      script: {
        // The first attempt speaks for the user; the regeneration does not.
        player: (t) => (t.call === 0 ? "Fish. Alex nods and walks away." : "Just fish, officer. Nothing more."),
        extract: (t) =>
          JSON.stringify({
            minutesPassed: 1,
            events:
              t.call === 0
                ? [
                    {
                      ref: "e1",
                      kind: "changed",
                      description: "Alex is at the pier",
                      op: "set",
                      subject: "Alex",
                      predicate: "at",
                      object: "the pier",
                    },
                  ]
                : [],
          }),
      },
    });
    const player = createWorldPlayer({ generator: model });
    expect(player.describe()).toMatchObject({ kind: "world" });
    const history = [
      { role: "ai" as const, round: 0, text: scenario.aiPrologue },
      { role: "user" as const, round: 1, text: scenario.initialUserInput },
    ];
    const turn = await player.nextTurn({ scenario, history, round: 2, seed: 7, runIndex: 1 });
    expect(turn.text).toBe("Just fish, officer. Nothing more.");
    // Extraction of the two history lines, two generations, two extractions of the generated lines.
    expect(turn.calls).toBe(6);
    expect(turn.usage.promptTokens).toBeGreaterThan(0);
    const players = model.calls.filter((c) => c.role === "player");
    expect(players).toHaveLength(2);
    expect(players[0]?.request.messages[0]?.content).toContain("crates at the pier [hard fact]");

    const next = await player.nextTurn({
      scenario,
      history: [...history, { role: "ai", round: 2, text: turn.text }, { role: "user", round: 3, text: "Open them." }],
      round: 4,
      seed: 8,
      runIndex: 1,
    });
    expect(next.calls).toBe(3); // one new user line extracted, one generation, one extraction
  });

  it("exposes the session world for inspection", async () => {
    const model = createFakeModel({ script: { player: () => "Fine.", extract: () => JSON.stringify({ events: [] }) } });
    const player = createWorldPlayer({ generator: model });
    await player.nextTurn({
      scenario,
      history: [
        { role: "ai", round: 0, text: "Hi." },
        { role: "user", round: 1, text: "Hello." },
      ],
      round: 2,
      seed: 1,
      runIndex: 1,
    });
    const world = player.worldOf("s1", 1);
    expect(world?.head().turn).toBe(4);
    expect(currentFacts(world?.projection as never).map(factText)).toContain("crates at the pier");
  });
});
