import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { TroupeError, UsageError } from "../../core/index.ts";
import type { Store } from "../../store/index.ts";
import { loadDialoguesFile, loadSeedsFile } from "../data-files.ts";
import type { Dialogue } from "../dialogue.ts";
import { groupCastOf } from "../group-scene.ts";
import { BenchDataError, type RowIssue } from "../row-issue.ts";
import { getRun } from "../run-store.ts";
import type { Scenario } from "../scenario.ts";
import { loadRunDialogues } from "../transcript.ts";
import type { JudgeableSession } from "./judge-session.ts";

/** Dialogues to judge or report on, from a stored run or from official files, with their scenarios. */
export interface DialogueSource {
  /** The run id, or the dialogues file path. */
  source: string;
  kind: "run" | "dialogues";
  dialogues: Dialogue[];
  scenarios: Map<string, Scenario>;
  /** Invalid rows that were skipped (files only). */
  issues: RowIssue[];
}

/** Which sessions of a source to keep. */
export interface SourceFilter {
  models?: readonly string[] | undefined;
  /** Keep only these scenario ids. */
  scenarios?: readonly string[] | undefined;
  /** Keep the first N scenarios (in id order). */
  limitScenarios?: number | undefined;
  /** Keep runs with these run ids ("run_1"). */
  runs?: readonly string[] | undefined;
}

/** The unique key of a session: model, scenario and run. */
export function sessionKeyOf(d: Pick<Dialogue, "model_name" | "seed_id" | "run_id">): string {
  return `${d.model_name}/${d.seed_id}/${d.run_id}`;
}

function langOf(d: Dialogue, scenario: Scenario | undefined): string | undefined {
  return d.meta?.lang ?? scenario?.lang ?? /^(en|zh)[_-]/i.exec(d.seed_id)?.[1]?.toLowerCase();
}

/** Dialogues as judge input, with each scenario's cards when known. */
export function toJudgeableSessions(source: DialogueSource): JudgeableSession[] {
  return source.dialogues.map((d) => {
    const scenario = source.scenarios.get(d.seed_id);
    const lang = langOf(d, scenario);
    return {
      key: sessionKeyOf(d),
      seedId: d.seed_id,
      modelName: d.model_name,
      runId: d.run_id,
      lang,
      card: scenario
        ? {
            aiName: scenario.aiName,
            aiSetting: scenario.aiSetting,
            userName: scenario.userName,
            userSetting: scenario.userSetting,
            lang: scenario.lang,
            ...(groupCastOf(scenario) ? { cast: groupCastOf(scenario) } : {}),
          }
        : undefined,
      turns: d.dialogue,
      writers: d.meta
        ? {
            player: [d.meta.player.id, d.meta.player.spec],
            simulator: [d.meta.user_simulator.model, d.meta.user_simulator["spec"]].filter(
              (x): x is string => typeof x === "string" && x.length > 0,
            ),
          }
        : undefined,
    };
  });
}

function findTable(path: string, table: "dialogues" | "seeds"): string | undefined {
  const names = [`${table}.jsonl`, `${table}.parquet`];
  const queue = [path];
  for (let depth = 0; depth < 3 && queue.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of queue) {
      for (const name of names) if (existsSync(join(dir, name))) return join(dir, name);
      for (const entry of readdirSync(dir, { withFileTypes: true }))
        if (entry.isDirectory() && !entry.name.startsWith(".")) next.push(join(dir, entry.name));
    }
    queue.splice(0, queue.length, ...next.sort());
  }
  return undefined;
}

/** Every dialogues file under a folder (one per language in the official layout `data/{en,zh}/`). */
function findDialogueFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, entry.name);
      if (entry.isDirectory() && depth < 3 && !entry.name.startsWith(".")) walk(p, depth + 1);
      else if (/^dialogues\.(jsonl|parquet)$/.test(entry.name)) out.push(p);
    }
  };
  walk(dir, 0);
  return out;
}

/**
 * Load what to judge: a stored run by id (complete sessions; partial ones with `includePartial`), or official
 * dialogues from a `.jsonl`/`.parquet` file or a folder holding them (seeds beside them give the judge the cards).
 * Invalid file rows are reported, never silently dropped: with `skipInvalid` the valid rows go on.
 */
export async function loadDialogueSource(
  store: Store | undefined,
  spec: string,
  options: SourceFilter & { includePartial?: boolean; skipInvalid?: boolean; seedsFile?: string } = {},
): Promise<DialogueSource> {
  let source: DialogueSource;
  if (existsSync(spec)) {
    const files = statSync(spec).isDirectory()
      ? findDialogueFiles(spec)
      : [spec].filter((f) => [".jsonl", ".parquet", ".json"].includes(extname(f).toLowerCase()));
    if (files.length === 0)
      throw new BenchDataError(
        spec,
        [{ file: spec, row: 0, code: "not_found", message: "no dialogues.jsonl or dialogues.parquet here" }],
        0,
      );
    const dialogues: Dialogue[] = [];
    const scenarios = new Map<string, Scenario>();
    const issues: RowIssue[] = [];
    for (const file of files) {
      const load = await loadDialoguesFile(file);
      dialogues.push(...load.rows);
      issues.push(...load.issues);
      const seeds = options.seedsFile ?? findTable(dirname(file), "seeds");
      if (seeds) {
        const s = await loadSeedsFile(seeds);
        for (const scenario of s.rows) scenarios.set(scenario.id, scenario);
        issues.push(...s.issues);
      }
    }
    if (issues.length > 0 && !options.skipInvalid) throw new BenchDataError(spec, issues, dialogues.length);
    // The absolute path names the source, so "./x" and "x" are one source with one set of judgements.
    source = { source: resolve(spec), kind: "dialogues", dialogues, scenarios, issues };
  } else {
    if (!store) throw missingPath(spec);
    const run = await getRun(store, spec).catch((error: unknown) => {
      // "./missing.jsonl" is a file that is not there, not a run: say so (a run id never looks like a path).
      if (looksLikePath(spec) && error instanceof TroupeError && error.code === "bench.unknown_run")
        throw missingPath(spec);
      throw error;
    });
    const dialogues = await loadRunDialogues(store, run.id, { includePartial: options.includePartial === true });
    source = {
      source: run.id,
      kind: "run",
      dialogues,
      scenarios: new Map(run.scenarios.map((s) => [s.id, s])),
      issues: [],
    };
  }
  return { ...source, dialogues: filterDialogues(source.dialogues, options) };
}

/** True for a source that names a file or folder: a path separator, a leading dot or a dialogues file extension. */
function looksLikePath(spec: string): boolean {
  return /[/\\]/.test(spec) || spec.startsWith(".") || spec.startsWith("~") || /\.(jsonl|parquet|json)$/i.test(spec);
}

function missingPath(spec: string): UsageError {
  return new UsageError("bench.source_not_found", `No such file or folder: ${spec} (${resolve(spec)}).`, {
    hint: "Check the path, or give a run id (list runs with `troupe bench ls`).",
  });
}

/** Apply a source filter (models, scenarios, runs, first N scenarios). */
export function filterDialogues(dialogues: readonly Dialogue[], filter: SourceFilter): Dialogue[] {
  let out = dialogues.filter(
    (d) =>
      (!filter.models?.length || filter.models.includes(d.model_name)) &&
      (!filter.scenarios?.length || filter.scenarios.includes(d.seed_id)) &&
      (!filter.runs?.length || filter.runs.includes(d.run_id)),
  );
  if (filter.limitScenarios !== undefined) {
    const keep = new Set([...new Set(out.map((d) => d.seed_id))].sort().slice(0, filter.limitScenarios));
    out = out.filter((d) => keep.has(d.seed_id));
  }
  return out;
}
