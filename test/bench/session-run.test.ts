import { afterEach, describe, expect, it } from "vitest";
import {
  chatModelPlayer,
  createRun,
  DEFAULT_SIMULATOR_SETTINGS,
  DialogueSchema,
  executeRun,
  loadRunDialogues,
  resolveSuite,
} from "../../src/bench/index.ts";
import { openTestSqlite, type TestStore } from "../support/stores.ts";
import { scriptedModel } from "./scripted-model.ts";

let opened: TestStore[] = [];
afterEach(async () => {
  for (const s of opened) await s.cleanup();
  opened = [];
});

async function setup(turns = 6, runs = 2, limit = 2) {
  const t = await openTestSqlite();
  opened.push(t);
  const suite = await resolveSuite("builtin-en");
  const player = chatModelPlayer(scriptedModel("test:player"), { temperature: 0.8, maxTokens: 200 });
  const userModel = scriptedModel("test:user");
  const run = await createRun(t.store, {
    suite,
    scenarios: suite.scenarios.slice(0, limit),
    player,
    userModel,
    userSpec: "test:user",
    simulator: DEFAULT_SIMULATOR_SETTINGS,
    personas: ["plain"],
    traps: [],
    runs,
    turns,
    seed: 7,
    concurrency: 2,
  });
  return { t, run, player, userModel };
}

describe("bench session protocol", () => {
  it("produces exactly N+2 turns per session with scripted rounds 0 and 1, for R runs", async () => {
    const { t, run, player, userModel } = await setup(6, 2, 2);
    const outcome = await executeRun(run.id, { store: t.store, player, userModel });
    expect(outcome.status).toBe("complete");
    const dialogues = await loadRunDialogues(t.store, run.id);
    expect(dialogues).toHaveLength(4);
    for (const d of dialogues) {
      expect(DialogueSchema.parse(d)).toBeTruthy();
      expect(d.num_turns).toBe(8);
      expect(d.dialogue.map((x) => x.role)).toEqual(["ai", "user", "ai", "user", "ai", "user", "ai", "user"]);
      const scenario = run.scenarios.find((s) => s.id === d.seed_id);
      expect(d.dialogue[0]?.text).toBe(scenario?.aiPrologue);
      expect(d.dialogue[1]?.text).toBe(scenario?.initialUserInput);
      expect(d.meta?.turns.map((m) => m.source)).toEqual([
        "script",
        "script",
        "player",
        "user-sim",
        "player",
        "user-sim",
        "player",
        "user-sim",
      ]);
    }
    expect(new Set(dialogues.map((d) => d.run_id))).toEqual(new Set(["run_1", "run_2"]));
    // Runs of one scenario get different seeds, so their dialogues differ.
    const [a, b] = dialogues.filter((d) => d.seed_id === dialogues[0]?.seed_id);
    expect(a?.dialogue[2]?.text).not.toBe(b?.dialogue[2]?.text);
  });

  it("never shows the player the simulator's instructions", async () => {
    const { t, run, player, userModel } = await setup(4, 1, 1);
    await executeRun(run.id, { store: t.store, player, userModel });
    const playerModel = (player as unknown as { spec: string }) && userModel;
    expect(playerModel.calls.length).toBeGreaterThan(0);
    const simulatorSystem = userModel.calls[0]?.request.messages[0]?.content ?? "";
    expect(simulatorSystem).toContain("Write only");
  });
});
