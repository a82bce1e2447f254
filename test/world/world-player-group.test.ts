import { describe, expect, it } from "vitest";
import { createFakeModel } from "../../src/llm/index.ts";
import { createWorldPlayer } from "../../src/world/index.ts";

const scenario = {
  id: "twins",
  lang: "en",
  aiName: "Narrator",
  aiSetting: "The twins' shop.",
  userName: "Alex",
  userSetting: "A buyer.",
  aiPrologue: "Mara Albescu: We close at six.",
  initialUserInput: "Luca, is the clock for sale?",
  tags: ["group"],
  world: {
    cast: [
      { name: "Mara Albescu", description: "Blunt; wants to sell." },
      { name: "Luca Albescu", description: "Dreamy clock repairer; wants to keep the shop." },
    ],
  },
};

describe("a group scene through the world-aware player", () => {
  it("seats the whole cast, reads labelled history lines as their speakers, and lets the director pick who answers", async () => {
    const model = createFakeModel({
      script: { player: () => "Not this one.", extract: () => JSON.stringify({ events: [] }) },
    });
    const player = createWorldPlayer({ generator: model });
    const history = [
      { role: "ai" as const, round: 0, text: scenario.aiPrologue },
      { role: "user" as const, round: 1, text: scenario.initialUserInput },
    ];
    const turn = await player.nextTurn({ scenario, history, round: 2, seed: 1, runIndex: 1 });
    const world = player.worldOf("twins", 1);
    expect(world?.setup.cast.map((c) => c.name)).toEqual(["Mara Albescu", "Luca Albescu"]);
    // The prologue's label was read as Mara's line, not the narrator's.
    expect(world?.projection.nodes.some((n) => n.speaker === "Mara Albescu" && n.text === "We close at six.")).toBe(
      true,
    );
    // Luca was addressed by name in the user's line: the director gives him the turn, and the line says so.
    expect(turn.text).toBe("Luca Albescu: Not this one.");
    const prompt = model.calls.find((c) => c.role === "player")?.request.messages[0]?.content ?? "";
    expect(prompt).toContain("Luca Albescu");

    // The labelled answer, fed back as history, is Luca's line in the world.
    await player.nextTurn({
      scenario,
      history: [
        ...history,
        { role: "ai", round: 2, text: turn.text },
        { role: "user", round: 3, text: "And you, Mara?" },
      ],
      round: 4,
      seed: 2,
      runIndex: 1,
    });
    expect(world?.projection.nodes.filter((n) => n.speaker === "Luca Albescu").length).toBeGreaterThan(0);
  });
});
