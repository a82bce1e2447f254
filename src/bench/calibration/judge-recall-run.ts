import type { ChatModel } from "../../llm/index.ts";
import type { Store } from "../../store/index.ts";
import { flawInjectionSet, type InjectableSubtype } from "../detectors/injection/flaw-injection.ts";
import { type JudgeRecall, judgeRecall } from "../detectors/injection/injection-eval.ts";
import { runJudgement } from "../judge/judge-run.ts";
import type { JudgeableSession, JudgeCall, JudgeProgressEvent, JudgeSettings } from "../judge/judge-session.ts";
import type { PanelConfig } from "../judge/panel.ts";
import type { ScoringConfig } from "../scoring/scoring-config.ts";
import { scoreJudgedSession } from "../scoring/session-score.ts";

/** What measuring judge recall needs. */
export interface JudgeRecallInput {
  store: Store;
  judges: readonly ChatModel[];
  settings: JudgeSettings;
  panel: PanelConfig;
  scoring: ScoringConfig;
  /** Injected sessions per language and subtype (each has up to two flaws). */
  perSubtype: number;
  langs: readonly ("en" | "zh")[];
  subtypes?: readonly InjectableSubtype[];
  seed: string;
  concurrency: number;
  call?: JudgeCall;
  signal?: AbortSignal;
  onChunk?: (event: JudgeProgressEvent) => void;
}

/**
 * Judge the flaw-injection set and measure how many injected flaws the panel's standing flags find, per subtype
 * and per chunk position. The judgement is stored (source `flaw-injection:<seed>`), so re-running is free and
 * resumable like any judgement.
 */
export async function runJudgeRecall(
  input: JudgeRecallInput,
): Promise<{ judgementId: string; recall: JudgeRecall; sessions: number }> {
  const set = flawInjectionSet({
    seed: input.seed,
    perSubtype: input.perSubtype,
    clean: 0,
    langs: input.langs,
    ...(input.subtypes ? { subtypes: input.subtypes } : {}),
  });
  const sessions: JudgeableSession[] = set.map((s) => ({
    key: s.id,
    seedId: s.id,
    modelName: "flaw-injection",
    runId: "run_1",
    lang: s.lang,
    card: { aiName: s.aiName, aiSetting: s.aiSetting, userName: s.userName, userSetting: "the user", lang: s.lang },
    turns: s.turns,
  }));
  const result = await runJudgement({
    store: input.store,
    source: `flaw-injection:${input.seed}`,
    sourceKind: "dialogues",
    sessions,
    judges: input.judges,
    settings: input.settings,
    panel: input.panel,
    scoring: input.scoring,
    concurrency: input.concurrency,
    ...(input.call ? { call: input.call } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.onChunk ? { onChunk: input.onChunk } : {}),
  });
  const standing = new Map(
    result.sessions.map((r) => [
      r.session.key,
      scoreJudgedSession(r.session, r.byJudge, input.scoring, input.panel).chunks.flatMap((c) => c.consensus),
    ]),
  );
  return {
    judgementId: result.judgementId,
    recall: judgeRecall(set, (s) => standing.get(s.id) ?? [], input.settings.chunking.chunkTurns),
    sessions: set.length,
  };
}
