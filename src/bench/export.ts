import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Dialogue } from "./dialogue.ts";
import { type Scenario, seedFromScenario } from "./scenario.ts";
import { renderTranscript } from "./transcript.ts";

export interface ExportOptions {
  /** Keep troupe's `meta` key on each dialogue (default true; official consumers ignore extra keys). */
  meta?: boolean;
}

/** What an export wrote. */
export interface ExportResult {
  files: string[];
  dialogues: number;
  seeds: number;
}

function writeAtomic(path: string, text: string): void {
  const partial = `${path}.${process.pid}.partial`;
  writeFileSync(partial, text);
  renameSync(partial, path);
}

/**
 * Write `dialogues.jsonl` exactly as role-play-bench publishes it (one row per session, `dialogue` as a JSON
 * string), plus `seeds.jsonl` with the scenarios the run used, so the folder can be loaded back, judged, or
 * shared like the official files.
 */
export function writeRoleplayBenchExport(
  dialogues: readonly Dialogue[],
  scenarios: readonly Scenario[],
  outDir: string,
  options: ExportOptions = {},
): ExportResult {
  mkdirSync(outDir, { recursive: true });
  const lines = dialogues.map((d) =>
    JSON.stringify({
      seed_id: d.seed_id,
      model_name: d.model_name,
      run_id: d.run_id,
      num_turns: d.num_turns,
      dialogue: JSON.stringify(d.dialogue),
      ...(options.meta !== false && d.meta ? { meta: d.meta } : {}),
    }),
  );
  const dialoguesFile = join(outDir, "dialogues.jsonl");
  writeAtomic(dialoguesFile, lines.length ? `${lines.join("\n")}\n` : "");
  const used = new Set(dialogues.map((d) => d.seed_id));
  const seeds = scenarios
    .filter((s) => used.has(s.id) || dialogues.length === 0)
    .map((s) => JSON.stringify(seedFromScenario(s)));
  const seedsFile = join(outDir, "seeds.jsonl");
  writeAtomic(seedsFile, seeds.length ? `${seeds.join("\n")}\n` : "");
  return { files: [dialoguesFile, seedsFile], dialogues: dialogues.length, seeds: seeds.length };
}

/** Write one readable transcript per session (`<seed_id>.<run_id>.txt`). */
export function writeTranscripts(
  dialogues: readonly Dialogue[],
  scenarios: readonly Scenario[],
  outDir: string,
): ExportResult {
  mkdirSync(outDir, { recursive: true });
  const byId = new Map(scenarios.map((s) => [s.id, s]));
  const files: string[] = [];
  for (const d of dialogues) {
    const file = join(outDir, `${d.seed_id.replace(/[^\w.-]+/g, "_")}.${d.run_id.replace(/[^\w.-]+/g, "_")}.txt`);
    writeAtomic(file, renderTranscript(d, byId.get(d.seed_id)));
    files.push(file);
  }
  return { files, dialogues: dialogues.length, seeds: 0 };
}
