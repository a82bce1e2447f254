import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  chatModelPlayer,
  createRun,
  DEFAULT_SIMULATOR_SETTINGS,
  executeRun,
  expandScenarioMacros,
  loadRunDialogues,
  loadSeedsFile,
  loadSuiteText,
  type Scenario,
  writeRoleplayBenchExport,
} from "../../src/bench/index.ts";
import { openTestSqlite, type TestStore } from "../support/stores.ts";
import { scriptedModel } from "./scripted-model.ts";

// Card macros in seeds ({{user}}, {{char}}, <USER>, <BOT>) are expanded where scenarios are loaded or a run is
// created, so the player, the simulator, the judge and the export all see the names.
const row = {
  id: "macro_001",
  ai_name: "Ada",
  ai_setting: "{{char}} keeps the archive. She calls {{user}} 'little owl'. <BOT> never lies to <USER>.",
  user_name: "Sam",
  user_setting: "{{user}} is new in town and curious about {{char}}.",
  ai_prologue: "*<BOT> looks up.* Welcome, {{user}}.",
  initial_user_input: "Hi {{char}}, I'm <USER>.",
};
const expected = {
  aiSetting: "Ada keeps the archive. She calls Sam 'little owl'. Ada never lies to Sam.",
  userSetting: "Sam is new in town and curious about Ada.",
  aiPrologue: "*Ada looks up.* Welcome, Sam.",
  initialUserInput: "Hi Ada, I'm Sam.",
};
const MACRO = /\{\{|<user>|<bot>/i;

const stores: TestStore[] = [];
afterAll(async () => {
  for (const s of stores) await s.cleanup();
});

describe("card macros in bench scenarios", () => {
  it("are expanded when seeds are loaded from JSONL and from a YAML suite", async () => {
    const dir = mkdtempSync(join(tmpdir(), "troupe-macros-"));
    writeFileSync(join(dir, "seeds.jsonl"), `${JSON.stringify(row)}\n`);
    const fromJsonl = await loadSeedsFile(join(dir, "seeds.jsonl"));
    expect(fromJsonl.rows[0]).toMatchObject(expected);
    const fromYaml = loadSuiteText(JSON.stringify({ name: "m", scenarios: [row] }), "m.json");
    expect(fromYaml.scenarios[0]).toMatchObject(expected);
  });

  it("are expanded for scenarios built in code, so models, dialogues and the export see names", async () => {
    const t = await openTestSqlite();
    stores.push(t);
    const raw: Scenario = {
      id: row.id,
      lang: "en",
      aiName: row.ai_name,
      aiSetting: row.ai_setting,
      userName: row.user_name,
      userSetting: row.user_setting,
      aiPrologue: row.ai_prologue,
      initialUserInput: row.initial_user_input,
      tags: [],
    };
    const npc = scriptedModel("test:player");
    const userModel = scriptedModel("test:user");
    const run = await createRun(t.store, {
      suite: { name: "m", source: "code", hash: "x" },
      scenarios: [raw],
      player: chatModelPlayer(npc),
      userModel,
      userSpec: userModel.id,
      simulator: { ...DEFAULT_SIMULATOR_SETTINGS, seesCard: true },
      personas: ["plain"],
      traps: [],
      runs: 1,
      turns: 2,
      seed: 1,
      concurrency: 1,
    });
    expect(run.scenarios[0]).toMatchObject(expected);
    await executeRun(run.id, { store: t.store, player: chatModelPlayer(npc), userModel });
    // What the models were sent: the card (system) and the dialogue, with names and no macros.
    for (const call of [...npc.calls, ...userModel.calls]) {
      const sent = call.request.messages.map((m) => m.content).join("\n");
      expect(sent).not.toMatch(MACRO);
      expect(sent).toContain("Ada");
    }
    const [dialogue] = await loadRunDialogues(t.store, run.id);
    expect(dialogue?.dialogue.slice(0, 2).map((d) => d.text)).toEqual([expected.aiPrologue, expected.initialUserInput]);
    const out = mkdtempSync(join(tmpdir(), "troupe-macros-export-"));
    writeRoleplayBenchExport(dialogue ? [dialogue] : [], run.scenarios, out);
    expect(readFileSync(join(out, "seeds.jsonl"), "utf8")).not.toMatch(MACRO);
    expect(readFileSync(join(out, "dialogues.jsonl"), "utf8")).not.toMatch(MACRO);
  });

  it("leave unknown macros alone, and expanding twice changes nothing", () => {
    const s = expandScenarioMacros({
      id: "x",
      lang: "en",
      aiName: "Ada",
      aiSetting: "{{char}} and {{unknown_thing}} <3",
      userName: "Sam",
      userSetting: "u",
      aiPrologue: "p",
      initialUserInput: "i",
      tags: [],
    });
    expect(s.aiSetting).toBe("Ada and {{unknown_thing}} <3");
    expect(expandScenarioMacros(s)).toEqual(s);
  });
});
