// Official-shaped dialogues and seeds files for the judge/report/gate CLI and browser tests.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanSession } from "../../src/bench/detectors/injection/clean-transcript.ts";
import { createRng } from "../../src/core/index.ts";
import type { FakeRequest } from "../support/fake-llm-server.ts";
import { parseJudgeRequest } from "./judge-scripted.ts";

export const FLAW = "[[FLAW]]";

/**
 * Write `<dir>/dialogues.jsonl` and `<dir>/seeds.jsonl` for one model: `scenarios` en scenarios × `runs` runs of
 * `turns` generated turns; with `flawed`, NPC turns at rounds 6 and 14 carry the FLAW marker.
 */
export function writeOfficialFiles(
  dir: string,
  model: string,
  options: { scenarios: number; runs: number; turns: number; flawed: boolean },
): string {
  mkdirSync(dir, { recursive: true });
  const seeds: string[] = [];
  const dialogues: string[] = [];
  for (let s = 1; s <= options.scenarios; s++) {
    const id = `en_dialogue_${String(s).padStart(3, "0")}`;
    const base = cleanSession(createRng(`cli-${id}`), "en", 0);
    seeds.push(
      JSON.stringify({
        id,
        ai_name: base.aiName,
        ai_setting: base.aiSetting,
        user_name: base.userName,
        user_setting: "a visitor to the harbour town",
        ai_prologue: base.turns[0]!.text,
        initial_user_input: base.turns[1]!.text,
      }),
    );
    for (let r = 1; r <= options.runs; r++) {
      const session = cleanSession(createRng(`cli-${id}-${model}-${r}`), "en", options.turns);
      const turns = session.turns.map((t, i) => ({
        role: t.role,
        round: t.round,
        text:
          i === 0
            ? base.turns[0]!.text
            : i === 1
              ? base.turns[1]!.text
              : options.flawed && (t.round === 6 || t.round === 14)
                ? `${t.text} ${FLAW}`
                : t.text,
      }));
      dialogues.push(
        JSON.stringify({
          seed_id: id,
          model_name: model,
          run_id: `run_${r}`,
          num_turns: turns.length,
          dialogue: JSON.stringify(turns),
        }),
      );
    }
  }
  writeFileSync(join(dir, "seeds.jsonl"), `${seeds.join("\n")}\n`);
  writeFileSync(join(dir, "dialogues.jsonl"), `${dialogues.join("\n")}\n`);
  return join(dir, "dialogues.jsonl");
}

/** A judge that flags exactly the NPC turns carrying the FLAW marker (severity 3, content logic). */
export function oracleJudge(request: FakeRequest): string {
  const { scored, texts } = parseJudgeRequest(request);
  const flags = scored
    .filter((r) => texts.get(r)?.includes(FLAW))
    .map((round) => ({ round, quote: FLAW, reason: "breaks character", subtype: "unmotivated_ooc", severity: 3 }));
  return JSON.stringify({
    flags,
    ledger: scored.length ? [{ kind: "fact", round: scored[0], statement: "a fact" }] : [],
  });
}
