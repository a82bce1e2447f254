import { UsageError } from "../../core/index.ts";
import type { Store } from "../../store/index.ts";
import type { Detector } from "../detectors/detector.ts";
import { DETECTORS, runDetectors } from "../detectors/run-detectors.ts";
import type { Dialogue } from "../dialogue.ts";
import { groupCastOf } from "../group-scene.ts";
import type { ChunkJudgement } from "../judge/chunk-judgement.ts";
import type { Flag } from "../judge/flag.ts";
import { type DialogueSource, loadDialogueSource, type SourceFilter, sessionKeyOf } from "../judge/judge-source.ts";
import { getJudgement, type JudgementRecord, listJudgements, loadJudgementChunks } from "../judge/judge-store.ts";
import type { PanelConfig } from "../judge/panel.ts";
import type { ScoringConfig } from "../scoring/scoring-config.ts";
import { type SessionScore, scoreJudgedSession } from "../scoring/session-score.ts";

/** A source's dialogues with their judgement, scores and detector flags. */
export interface ScoredSource {
  source: DialogueSource;
  judgement: JudgementRecord;
  judges: string[];
  /** Judged sessions, in source order. */
  sessions: SessionScore[];
  /** The dialogue of each session key. */
  dialogues: Map<string, Dialogue>;
  /** Detector flags of each session key. */
  detectorFlags: Map<string, Flag[]>;
  /** Sessions in the source that the judgement did not cover. */
  unjudged: string[];
}

/** Detector flags for one dialogue, using its scenario when known (every detector unless a list is given). */
export function detectorFlagsFor(
  source: DialogueSource,
  d: Dialogue,
  detectors: readonly Detector[] = DETECTORS,
): Flag[] {
  const scenario = source.scenarios.get(d.seed_id);
  return runDetectors(
    {
      // Unknown: the detectors infer it from the dialogue text (an "en" default flagged every Chinese turn).
      lang: d.meta?.lang ?? scenario?.lang ?? (/^zh[_-]/i.test(d.seed_id) ? "zh" : undefined),
      aiName: scenario?.aiName ?? "",
      userName: scenario?.userName ?? "",
      aiSetting: scenario?.aiSetting,
      cast: scenario ? groupCastOf(scenario)?.map((m) => m.name) : undefined,
      turns: d.dialogue,
    },
    detectors,
  );
}

/** Detector flags for the session with this key (empty when the source has no such session). */
export function detectorFlagsOf(
  source: DialogueSource,
  key: string,
  detectors: readonly Detector[] = DETECTORS,
): Flag[] {
  const d = source.dialogues.find((x) => sessionKeyOf(x) === key);
  return d ? detectorFlagsFor(source, d, detectors) : [];
}

/**
 * Load a run (or official dialogues file) with a judgement of it — the newest unless one is named — and score every
 * judged session under the given panel policy and scoring config. Nothing is re-judged here: without a judgement
 * the caller is told to run `troupe bench judge` first.
 */
export async function loadScoredSource(
  store: Store,
  spec: string,
  options: { judgementId?: string | undefined; scoring: ScoringConfig; panel: PanelConfig; filter?: SourceFilter },
): Promise<ScoredSource> {
  const source = await loadDialogueSource(store, spec, { ...options.filter, includePartial: true, skipInvalid: true });
  const judgement = options.judgementId
    ? await getJudgement(store, options.judgementId)
    : (await listJudgements(store, source.source))[0];
  if (!judgement)
    throw new UsageError("bench.not_judged", `${source.source} has not been judged yet.`, {
      hint: `Judge it first: troupe bench judge ${spec} --judge <spec>`,
    });
  if (judgement.source !== source.source)
    throw new UsageError(
      "bench.judgement_mismatch",
      `Judgement ${judgement.id} is of ${judgement.source}, not ${source.source}.`,
    );
  const chunks = await loadJudgementChunks(store, judgement.id);
  const judges = (judgement.config["judges"] as string[] | undefined) ?? [];
  const sessions: SessionScore[] = [];
  const dialogues = new Map<string, Dialogue>();
  const detectorFlags = new Map<string, Flag[]>();
  const unjudged: string[] = [];
  for (const d of source.dialogues) {
    const key = sessionKeyOf(d);
    dialogues.set(key, d);
    const flags = detectorFlagsFor(source, d);
    detectorFlags.set(key, flags);
    const byJudgeMap = chunks.get(key);
    if (!byJudgeMap) {
      unjudged.push(key);
      continue;
    }
    const byJudge: ChunkJudgement[][] = judges.map((j) => byJudgeMap.get(j) ?? []).filter((c) => c.length > 0);
    const scenario = source.scenarios.get(d.seed_id);
    sessions.push(
      scoreJudgedSession(
        {
          key,
          seedId: d.seed_id,
          modelName: d.model_name,
          runId: d.run_id,
          lang: d.meta?.lang ?? scenario?.lang ?? /^(en|zh)[_-]/i.exec(d.seed_id)?.[1]?.toLowerCase(),
        },
        byJudge,
        options.scoring,
        options.panel,
        flags,
      ),
    );
  }
  return { source, judgement, judges, sessions, dialogues, detectorFlags, unjudged };
}
