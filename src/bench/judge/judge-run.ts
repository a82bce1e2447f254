import PQueue from "p-queue";
import type { Price } from "../../core/index.ts";
import { stableHash } from "../../core/index.ts";
import type { ChatModel } from "../../llm/index.ts";
import type { Store } from "../../store/index.ts";
import {
  Budget,
  BudgetExhaustedError,
  estimateCallCost,
  promptSize,
  promptTokenBound,
  reserveAll,
  tokenCost,
} from "../budget.ts";
import { type ScoringConfig, scoringConfigHash } from "../scoring/scoring-config.ts";
import { structuredJudgeCall } from "./judge-call.ts";
import { type DialogueModel, judgeFamilyWarnings } from "./judge-family.ts";
import { JUDGE_PROMPT_VERSION, judgePromptHash } from "./judge-prompt.ts";
import {
  type JudgeableSession,
  type JudgeCall,
  type JudgeProgressEvent,
  type JudgeSettings,
  judgeSession,
  type SessionJudgement,
} from "./judge-session.ts";
import {
  type JudgementRecord,
  loadJudgementChunks,
  setJudgementStatus,
  storeChunkCache,
  upsertJudgement,
} from "./judge-store.ts";
import type { PanelConfig } from "./panel.ts";

/** Everything a judgement needs. */
export interface JudgeRunInput {
  store: Store;
  /** What is judged: a run id, or the path of an official dialogues file or folder. */
  source: string;
  sourceKind: JudgementRecord["sourceKind"];
  sessions: readonly JudgeableSession[];
  judges: readonly ChatModel[];
  settings: JudgeSettings;
  panel: PanelConfig;
  scoring: ScoringConfig;
  /** Sessions judged at once (each session's judges run concurrently, its chunks in order). */
  concurrency: number;
  /** The judge call (default: structured output through the llm layer). */
  call?: JudgeCall;
  signal?: AbortSignal;
  onChunk?: (event: JudgeProgressEvent) => void;
  now?: () => number;
  /**
   * Hard limits for the whole judgement (chunks judged in earlier runs of it count): dollars, tokens or both.
   * Reached, the judgement stops with status `budget`; rerunning with a larger limit resumes it.
   */
  budget?: JudgeBudget;
}

/** The judge role's budget. */
export interface JudgeBudget {
  usd?: number;
  tokens?: number;
  /** Prices of the judges, for the dollar estimate made before each call. */
  priceOf?: (modelId: string) => Price | undefined;
  /** What to tell the user when it is reached. */
  hint?: string;
}

/**
 * Wrap a judge call in the judge budget: before each call reserve a pessimistic estimate (the prompt's token bound
 * plus the full output allowance), after it settle with what the call used.
 */
export function budgetedJudgeCall(
  call: JudgeCall,
  budgets: { usd?: Budget; tokens?: Budget },
  priceOf: (modelId: string) => Price | undefined,
  maxTokens: number,
): JudgeCall {
  return async (model, messages, options) => {
    const size = promptSize(messages.map((m) => m.content));
    const holds = [
      ...(budgets.usd
        ? [{ budget: budgets.usd, amount: estimateCallCost(priceOf(model.id), size.chars, maxTokens, size.cjkChars) }]
        : []),
      ...(budgets.tokens
        ? [{ budget: budgets.tokens, amount: promptTokenBound(size.chars, size.cjkChars) + maxTokens }]
        : []),
    ];
    const reservations = reserveAll(holds);
    let used = { usd: 0, tokens: 0 };
    try {
      const result = await call(model, messages, options);
      used = {
        usd: result.costUsd || tokenCost(priceOf(model.id), result.promptTokens, result.completionTokens),
        tokens: result.promptTokens + result.completionTokens,
      };
      return result;
    } finally {
      reservations.forEach((r, i) => {
        const budget = holds[i]!.budget;
        budget.settle(r, budget === budgets.tokens ? used.tokens : used.usd);
      });
    }
  };
}

/** What a judgement has spent so far: every judged chunk linked to it (ok or failed). */
async function judgementSpending(store: Store, judgementId: string): Promise<{ usd: number; tokens: number }> {
  let usd = 0;
  let tokens = 0;
  for (const byJudge of (await loadJudgementChunks(store, judgementId)).values())
    for (const chunks of byJudge.values())
      for (const c of chunks) {
        usd += c.costUsd;
        tokens += c.promptTokens + c.completionTokens;
      }
  return { usd, tokens };
}

/** The outcome: the judgement's id and settings, every session's verdicts, and warnings to show. */
export interface JudgeRunResult {
  judgementId: string;
  config: Record<string, unknown>;
  sessions: SessionJudgement[];
  warnings: string[];
  /** Chunks that were already judged (resumed or shared with an earlier judgement). */
  cachedChunks: number;
  failedChunks: number;
}

/** The settings recorded with a judgement: enough to tell exactly how its scores were made. */
export function judgementConfig(
  input: Pick<JudgeRunInput, "judges" | "settings" | "panel" | "scoring">,
  testedModels: readonly string[],
): Record<string, unknown> {
  return {
    judges: input.judges.map((j) => j.id),
    promptVersion: JUDGE_PROMPT_VERSION,
    promptHash: judgePromptHash(input.settings.prompt),
    chunking: input.settings.chunking,
    promptOptions: input.settings.prompt,
    ledgerLimits: input.settings.ledger,
    sampling: input.settings.sampling,
    panel: input.panel,
    scoring: input.scoring,
    scoringHash: scoringConfigHash(input.scoring),
    testedModels: [...testedModels],
  };
}

/** The tested models and user simulators behind the sessions, with the ids they ran under (once each). */
function dialogueModels(sessions: readonly JudgeableSession[]): DialogueModel[] {
  const byKey = new Map<string, DialogueModel>();
  for (const s of sessions) {
    const entries: DialogueModel[] = [{ role: "tested model", name: s.modelName, ids: s.writers?.player ?? [] }];
    for (const id of s.writers?.simulator ?? []) entries.push({ role: "user simulator", name: s.modelName, ids: [id] });
    for (const e of entries) byKey.set(JSON.stringify([e.role, e.name, e.ids]), e);
  }
  return [...byKey.values()];
}

/**
 * Judge many sessions with a judge panel and record it as a judgement. The judgement id is a hash of the source,
 * the judges and every setting that changes a verdict, so running the same command again resumes the same
 * judgement (chunks already judged come from the store) and a new judge or rubric makes a new judgement over the
 * same dialogues — nothing is regenerated.
 */
export async function runJudgement(input: JudgeRunInput): Promise<JudgeRunResult> {
  const now = input.now ?? Date.now;
  const testedModels = [...new Set(input.sessions.map((s) => s.modelName))];
  const config = judgementConfig(input, testedModels);
  const { panel: _panel, scoring: _scoring, scoringHash: _hash, testedModels: _tested, ...identity } = config;
  const judgementId = `j-${stableHash({ source: input.source, ...identity }).slice(0, 12)}`;
  const warnings = judgeFamilyWarnings(
    input.judges.map((j) => j.id),
    dialogueModels(input.sessions),
  );
  await upsertJudgement(
    input.store,
    {
      id: judgementId,
      source: input.source,
      sourceKind: input.sourceKind,
      status: "running",
      config: { ...config, warnings },
    },
    now(),
  );
  const cache = storeChunkCache(input.store, now);
  let call = input.call ?? structuredJudgeCall(input.settings.sampling);
  if (input.budget && (input.budget.usd !== undefined || input.budget.tokens !== undefined)) {
    const spent = await judgementSpending(input.store, judgementId);
    const label = {
      role: "judge" as const,
      hint:
        input.budget.hint ??
        "Every judged chunk is saved. Rerun the same judgement with a larger --budget-usd or --budget-tokens to continue.",
    };
    call = budgetedJudgeCall(
      call,
      {
        ...(input.budget.usd === undefined ? {} : { usd: new Budget(input.budget.usd, spent.usd, label) }),
        ...(input.budget.tokens === undefined
          ? {}
          : { tokens: new Budget(input.budget.tokens, spent.tokens, { ...label, unit: "tokens" }) }),
      },
      input.budget.priceOf ?? (() => undefined),
      input.settings.sampling.maxTokens,
    );
  }
  const queue = new PQueue({ concurrency: Math.max(1, input.concurrency) });
  const results: SessionJudgement[] = new Array(input.sessions.length);
  try {
    await Promise.all(
      input.sessions.map((session, i) =>
        queue.add(async () => {
          results[i] = await judgeSession(session, input.judges, call, cache, input.settings, {
            judgementId,
            ...(input.signal ? { signal: input.signal } : {}),
            ...(input.onChunk ? { onChunk: input.onChunk } : {}),
          });
        }),
      ),
    );
  } catch (error) {
    queue.clear();
    await setJudgementStatus(
      input.store,
      judgementId,
      error instanceof BudgetExhaustedError ? "budget" : "interrupted",
      now(),
    );
    throw error;
  }
  const all = results.flatMap((r) => r.byJudge.flat());
  const failedChunks = all.filter((c) => c.status === "failed").length;
  await setJudgementStatus(input.store, judgementId, failedChunks > 0 ? "partial" : "complete", now());
  return {
    judgementId,
    config,
    sessions: results,
    warnings,
    cachedChunks: results.reduce((s, r) => s + r.cachedChunks, 0),
    failedChunks,
  };
}
