import type { Logger, Price } from "../core/index.ts";
import { UsageError } from "../core/index.ts";
import type { ChatModel } from "../llm/index.ts";
import type { Store } from "../store/index.ts";
import {
  DEFAULT_INTERVALS,
  type IntervalOptions,
  type ScoreInterval,
  scoreIntervals,
} from "./analysis/score-intervals.ts";
import { detectorFlagsOf } from "./analysis/scored-source.ts";
import type { ContextStrategy } from "./context-strategy.ts";
import type { Detector } from "./detectors/detector.ts";
import { DETECTORS } from "./detectors/run-detectors.ts";
import { type JudgeBudget, type JudgeRunResult, runJudgement } from "./judge/judge-run.ts";
import {
  DEFAULT_JUDGE_SETTINGS,
  type JudgeCall,
  type JudgeProgressEvent,
  type JudgeSettings,
} from "./judge/judge-session.ts";
import { type DialogueSource, loadDialogueSource, toJudgeableSessions } from "./judge/judge-source.ts";
import { DEFAULT_PANEL, type PanelConfig } from "./judge/panel.ts";
import type { PersonaId } from "./persona.ts";
import type { TrapId } from "./perturbation.ts";
import type { Player } from "./player.ts";
import { createRun } from "./run-setup.ts";
import { executeRun, type RunOutcome, type RunProgress } from "./runner.ts";
import { DEFAULT_SCORING, type ScoringConfig } from "./scoring/scoring-config.ts";
import { type SessionScore, scoreJudgedSession } from "./scoring/session-score.ts";
import type { Suite } from "./suite.ts";
import { DEFAULT_SIMULATOR_SETTINGS, type UserSimulatorSettings } from "./user-simulator.ts";

/**
 * What an evaluation is made of, as an Inspect Task is: the scenarios (a suite), the player under test, the user
 * simulator, the judges, the detectors and the scorer, plus the protocol and budgets. Every part is replaceable
 * (`Eval.with`), and nothing here knows about the CLI, a queue or the server: they only wire an Eval.
 */
export interface EvalDefinition {
  /** The scenarios: a suite (its name and hash are recorded on the run); `scenarios` narrows it. */
  suite: Pick<Suite, "name" | "source" | "hash" | "scenarios">;
  scenarios?: Suite["scenarios"];
  player: Player;
  userSimulator: {
    model: ChatModel;
    /** The spec recorded on the run (default: the model's id). */
    spec?: string;
    settings?: UserSimulatorSettings;
    personas?: readonly PersonaId[];
    traps?: readonly TrapId[];
  };
  judges: readonly ChatModel[];
  judgeSettings?: JudgeSettings;
  panel?: PanelConfig;
  /** Rule-based detectors run over every dialogue (default: all of them). */
  detectors?: readonly Detector[];
  /** How flags become scores (default: deduction-v1 with equal weights). */
  scorer?: ScoringConfig;
  intervals?: IntervalOptions;
  /** The session protocol (defaults: the official one, 3 runs of 100 generated turns). */
  protocol?: { runs?: number; turns?: number; seed?: number; concurrency?: number; contextStrategy?: ContextStrategy };
  /** `model_name` of the dialogues (default: the player's spec). */
  modelName?: string;
  /** Budgets per role and in all; dollar limits need `priceOf`. */
  budgets?: { usd?: number; player?: number; simulator?: number; judge?: Omit<JudgeBudget, "priceOf"> };
  priceOf?: (modelId: string) => Price | undefined;
}

/** Where and how an evaluation runs: the store, and the hooks of the process that runs it. */
export interface EvalContext {
  store: Store;
  /** Continue this run instead of creating one (an interrupted or budget-stopped evaluation resumes). */
  runId?: string;
  signal?: AbortSignal;
  logger?: Logger;
  now?: () => number;
  onProgress?: (progress: RunProgress) => void;
  onChunk?: (event: JudgeProgressEvent) => void;
  /** The judge call (default: structured output through the llm layer). */
  judgeCall?: JudgeCall;
}

/** A judgement of some dialogues, scored. */
export interface ScoredJudgement {
  source: DialogueSource;
  judgement: JudgeRunResult;
  /** Every judged session under the scorer, with the detectors' flags. */
  sessions: SessionScore[];
  /** Intervals of every metric, per tested model. */
  scores: Map<string, ScoreInterval[]>;
}

/** The outcome of `Eval.run`: generation, and — when it completed — its judgement and scores. */
export interface EvalResult {
  runId: string;
  generation: RunOutcome;
  /** Absent when generation did not complete (budget, interrupt, failed sessions): resume with `runId`. */
  scored?: ScoredJudgement;
}

/** One composable evaluation with one call that runs generate → judge → score. */
export interface Eval {
  readonly definition: EvalDefinition;
  /** The same evaluation with some parts replaced (another player, judge panel, scorer …). */
  with(overrides: Partial<EvalDefinition>): Eval;
  /** Generate (or continue) the dialogues of a run. */
  generate(context: EvalContext): Promise<{ runId: string; outcome: RunOutcome }>;
  /** Judge and score a source: a run id, or a loaded source (official dialogues, another run). */
  judge(source: string | DialogueSource, context: EvalContext): Promise<ScoredJudgement>;
  /** Score an existing judgement under this evaluation's detectors, panel and scorer (pure: no model call). */
  score(source: DialogueSource, judgement: JudgeRunResult): ScoredJudgement;
  /** generate → judge → score; stops after generation when it did not complete, so calling again resumes. */
  run(context: EvalContext): Promise<EvalResult>;
}

/** Score a judgement's sessions with detectors, panel and scorer, and bootstrap intervals per tested model. */
export function scoreJudgement(
  source: DialogueSource,
  judgement: JudgeRunResult,
  parts: { detectors?: readonly Detector[]; panel?: PanelConfig; scorer?: ScoringConfig; intervals?: IntervalOptions },
): ScoredJudgement {
  const scorer = parts.scorer ?? DEFAULT_SCORING;
  const panel = parts.panel ?? DEFAULT_PANEL;
  const detectors = parts.detectors ?? DETECTORS;
  const sessions = judgement.sessions.map((r) =>
    scoreJudgedSession(r.session, r.byJudge, scorer, panel, detectorFlagsOf(source, r.session.key, detectors)),
  );
  const scores = new Map<string, ScoreInterval[]>();
  for (const model of new Set(sessions.map((s) => s.modelName)))
    scores.set(
      model,
      scoreIntervals(
        sessions.filter((s) => s.modelName === model),
        scorer,
        parts.intervals ?? DEFAULT_INTERVALS,
      ),
    );
  return { source, judgement, sessions, scores };
}

/** Build an Eval from its parts. */
export function defineEval(definition: EvalDefinition): Eval {
  const d = definition;
  const self: Eval = {
    definition: d,
    with: (overrides) => defineEval({ ...d, ...overrides }),
    async generate(context) {
      let runId = context.runId;
      if (!runId) {
        const run = await createRun(context.store, {
          suite: d.suite,
          scenarios: d.scenarios ?? d.suite.scenarios,
          player: d.player,
          userModel: d.userSimulator.model,
          userSpec: d.userSimulator.spec ?? d.userSimulator.model.id,
          ...(d.modelName ? { modelName: d.modelName } : {}),
          simulator: d.userSimulator.settings ?? DEFAULT_SIMULATOR_SETTINGS,
          personas: d.userSimulator.personas ?? ["plain"],
          traps: d.userSimulator.traps ?? [],
          runs: d.protocol?.runs ?? 3,
          turns: d.protocol?.turns ?? 100,
          seed: d.protocol?.seed ?? 1,
          concurrency: d.protocol?.concurrency ?? 4,
          ...(d.budgets?.usd === undefined ? {} : { budgetUsd: d.budgets.usd }),
          ...(d.budgets?.player === undefined && d.budgets?.simulator === undefined
            ? {}
            : {
                roleBudgetsUsd: {
                  ...(d.budgets.player === undefined ? {} : { player: d.budgets.player }),
                  ...(d.budgets.simulator === undefined ? {} : { "user-sim": d.budgets.simulator }),
                },
              }),
          ...(d.protocol?.contextStrategy ? { contextStrategy: d.protocol.contextStrategy } : {}),
          ...(context.now ? { now: context.now } : {}),
        });
        runId = run.id;
      }
      const outcome = await executeRun(runId, {
        store: context.store,
        player: d.player,
        userModel: d.userSimulator.model,
        ...(d.priceOf ? { priceOf: d.priceOf } : {}),
        // On a resumed run, the definition's budgets are the new limits (recorded on the run).
        ...(context.runId && d.budgets?.usd !== undefined ? { budgetUsd: d.budgets.usd } : {}),
        ...(context.runId && (d.budgets?.player !== undefined || d.budgets?.simulator !== undefined)
          ? {
              roleBudgetsUsd: {
                ...(d.budgets.player === undefined ? {} : { player: d.budgets.player }),
                ...(d.budgets.simulator === undefined ? {} : { "user-sim": d.budgets.simulator }),
              },
            }
          : {}),
        ...(context.signal ? { signal: context.signal } : {}),
        ...(context.logger ? { logger: context.logger } : {}),
        ...(context.now ? { now: context.now } : {}),
        ...(context.onProgress ? { onProgress: context.onProgress } : {}),
      });
      return { runId, outcome };
    },
    async judge(source, context) {
      if (d.judges.length === 0)
        throw new UsageError("bench.no_judge", "The evaluation has no judge.", {
          hint: "Give the Eval at least one judge model (judges: [model]).",
        });
      const loaded = typeof source === "string" ? await loadDialogueSource(context.store, source) : source;
      const judgement = await runJudgement({
        store: context.store,
        source: loaded.source,
        sourceKind: loaded.kind,
        sessions: toJudgeableSessions(loaded),
        judges: d.judges,
        settings: d.judgeSettings ?? DEFAULT_JUDGE_SETTINGS,
        panel: d.panel ?? DEFAULT_PANEL,
        scoring: d.scorer ?? DEFAULT_SCORING,
        concurrency: d.protocol?.concurrency ?? 4,
        ...(context.judgeCall ? { call: context.judgeCall } : {}),
        ...(context.signal ? { signal: context.signal } : {}),
        ...(context.onChunk ? { onChunk: context.onChunk } : {}),
        ...(context.now ? { now: context.now } : {}),
        ...(d.budgets?.judge ? { budget: { ...d.budgets.judge, ...(d.priceOf ? { priceOf: d.priceOf } : {}) } } : {}),
      });
      return self.score(loaded, judgement);
    },
    score: (source, judgement) => scoreJudgement(source, judgement, d),
    async run(context) {
      const { runId, outcome } = await self.generate(context);
      if (outcome.status !== "complete") return { runId, generation: outcome };
      return { runId, generation: outcome, scored: await self.judge(runId, { ...context, runId }) };
    },
  };
  return self;
}
