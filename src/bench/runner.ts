import { setMaxListeners } from "node:events";
import { type Logger, type Price, silentLogger, UsageError } from "../core/index.ts";
import { type ChatModel, LlmError } from "../llm/index.ts";
import type { Store } from "../store/index.ts";
import { Budget, BudgetExhaustedError, budgetGuard } from "./budget.ts";
import type { RoleTotals, TurnMeta } from "./dialogue.ts";
import type { Player } from "./player.ts";
import type { RunConfig } from "./run-config.ts";
import {
  getRun,
  listSessions,
  type RunRecord,
  type RunStatus,
  runUsage,
  type SessionRecord,
  TurnConflictError,
  updateRunConfig,
  updateRunStatus,
  updateSession,
} from "./run-store.ts";
import { runSession } from "./session-runner.ts";

/** Per-role usage and overall progress, reported after every committed turn. */
export interface RunProgress {
  runId: string;
  sessionsDone: number;
  sessionsTotal: number;
  sessionsFailed: number;
  /** Turns committed overall, including by earlier processes. */
  turnsDone: number;
  turnsTotal: number;
  /** Turns committed by this process (the rate and ETA are computed on these). */
  turnsAdded: number;
  turnsRemainingAtStart: number;
  byRole: Record<"player" | "user-sim", RoleTotals>;
  costUsd: number;
}

/** How `executeRun` ended. */
export interface RunOutcome {
  status: RunStatus;
  progress: RunProgress;
  /** Sessions that failed, with their errors (they are retried on resume). */
  failures: Array<{ sessionId: string; error: string }>;
  /** The error that stopped the run, if any (budget, interrupt, a fatal model error). */
  error?: Error;
}

export interface ExecuteRunDeps {
  store: Store;
  player: Player;
  userModel: ChatModel;
  /** Price of a model id; used to price calls the model layer did not price and for the budget's estimates. */
  priceOf?: (modelId: string) => Price | undefined;
  signal?: AbortSignal;
  logger?: Logger;
  now?: () => number;
  onProgress?: (progress: RunProgress) => void;
  /** Overrides of the stored settings for this invocation. */
  concurrency?: number;
  budgetUsd?: number;
  /** Only these sessions (a worker runs one at a time). */
  sessionIds?: readonly string[];
  /** Name recorded on the sessions this process runs. */
  worker?: string;
  /** A budget shared with other runs of this function (a worker's sessions of one run); default: a new one. */
  budget?: Budget;
}

// Errors that will hit every session alike: stop the run instead of failing each session in turn.
const FATAL_KINDS = new Set(["auth", "balance", "invalid_request", "unreachable", "budget"]);

/**
 * Generate every unfinished session of a run, `concurrency` sessions at a time (each session is sequential).
 * Safe to call again after any interruption: sessions continue from their last committed turn. A budget stop, an
 * interrupt or a fatal model error leaves the run resumable with everything committed so far.
 */
export async function executeRun(runId: string, deps: ExecuteRunDeps): Promise<RunOutcome> {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? silentLogger;
  const priceOf = deps.priceOf ?? (() => undefined);
  let run = await getRun(deps.store, runId);
  if (deps.budgetUsd !== undefined && deps.budgetUsd !== run.config.budgetUsd) {
    // A new budget is part of the run's record (a later resume without --budget keeps it).
    const updated: RunConfig = { ...run.config, budgetUsd: deps.budgetUsd };
    await updateRunConfig(deps.store, run.id, updated, now());
    run = { ...run, config: updated };
  }
  if (deps.concurrency !== undefined) run = { ...run, config: { ...run.config, concurrency: deps.concurrency } };
  const { config } = run;
  const limit = config.budgetUsd;
  if (limit !== undefined) {
    for (const id of [deps.player.modelId, deps.userModel.id]) {
      if (id && !priceOf(id)) {
        throw new UsageError("bench.budget_unpriced", `--budget needs a price for ${id}, and none is configured.`, {
          hint: `Add it to troupe.config.yaml: prices: { "${id}": { input: <USD per 1M prompt tokens>, output: <USD per 1M completion tokens> } }, or set price: on the named endpoint.`,
        });
      }
    }
  }
  const scenarios = new Map(run.scenarios.map((s) => [s.id, s]));
  const allSessions = await listSessions(deps.store, run.id);
  const usage = await runUsage(deps.store, run.id);
  const target = config.turns + 2;
  const wanted = deps.sessionIds ? new Set(deps.sessionIds) : undefined;
  const todo = allSessions.filter(
    (s) =>
      (wanted ? wanted.has(s.id) : true) && (s.status !== "complete" || (usage.turnsBySession.get(s.id) ?? 0) < target),
  );
  const budget = deps.budget ?? new Budget(limit, usage.costUsd);
  budget.observeSpent(usage.costUsd);
  const guard = budgetGuard(budget, priceOf);
  const byRole = usage.byRole;
  const progress: RunProgress = {
    runId: run.id,
    sessionsDone: allSessions.filter((s) => s.status === "complete").length,
    sessionsTotal: allSessions.length,
    sessionsFailed: 0,
    turnsDone: [...usage.turnsBySession.values()].reduce((a, b) => a + b, 0),
    turnsTotal: allSessions.length * target,
    turnsAdded: 0,
    turnsRemainingAtStart: 0,
    byRole,
    costUsd: usage.costUsd,
  };
  progress.turnsRemainingAtStart = progress.turnsTotal - progress.turnsDone;
  const failures: RunOutcome["failures"] = [];
  let stopError: Error | undefined;
  const stop = new AbortController();
  const signal = deps.signal ? AbortSignal.any([deps.signal, stop.signal]) : stop.signal;
  // Every call in flight listens on this one signal: hundreds of listeners are expected, not a leak.
  setMaxListeners(Math.max(100, 4 * run.config.concurrency), signal);
  if (!deps.sessionIds) await updateRunStatus(deps.store, run.id, "running", now());
  deps.onProgress?.(progress);

  const onTurn = (meta: TurnMeta) => {
    progress.turnsDone++;
    progress.turnsAdded++;
    if (meta.source !== "script") {
      const role = byRole[meta.source];
      role.calls += meta.attempts;
      role.prompt_tokens += meta.prompt_tokens;
      role.completion_tokens += meta.completion_tokens;
      role.cost_usd += meta.cost_usd;
      role.retries += meta.retries;
      progress.costUsd += meta.cost_usd;
    }
    deps.onProgress?.(progress);
  };

  const runOne = async (session: SessionRecord): Promise<void> => {
    const scenario = scenarios.get(session.seedId);
    if (!scenario) throw new Error(`run ${run.id} has no scenario ${session.seedId}`);
    const startedAt = now();
    await updateSession(deps.store, session.id, {
      status: "running",
      worker: deps.worker ?? null,
      started_at: session.startedAt ?? startedAt,
      heartbeat_at: startedAt,
      error: null,
    });
    try {
      await runSession(session, scenario, config.turns, {
        store: deps.store,
        player: deps.player,
        userModel: deps.userModel,
        simulator: {
          params: config.userSimulator.params,
          seesCard: config.userSimulator.seesCard,
          maxRegenerations: config.userSimulator.maxRegenerations,
          ...(config.userSimulator.historyTurns === undefined
            ? {}
            : { historyTurns: config.userSimulator.historyTurns }),
        },
        guard,
        playerMaxTokens: config.player.params.maxTokens ?? 1024,
        signal,
        now,
        onTurn,
      });
      await updateSession(deps.store, session.id, { status: "complete", finished_at: now(), error: null });
      progress.sessionsDone++;
      deps.onProgress?.(progress);
    } catch (error) {
      if (error instanceof BudgetExhaustedError) {
        await updateSession(deps.store, session.id, { status: "budget", error: error.message });
        stopError ??= error;
        return;
      }
      if (signal.aborted) {
        await updateSession(deps.store, session.id, { status: "pending" });
        return;
      }
      if (error instanceof TurnConflictError) {
        logger.warn({ session: session.id }, error.message);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      await updateSession(deps.store, session.id, { status: "failed", error: message, finished_at: now() });
      failures.push({ sessionId: session.id, error: message });
      progress.sessionsFailed++;
      deps.onProgress?.(progress);
      if (error instanceof LlmError && FATAL_KINDS.has(error.kind)) {
        stopError ??= error;
        stop.abort(error);
      } else {
        logger.warn({ session: session.id, error: message }, "session failed; it will be retried on resume");
      }
    }
  };

  const queue = [...todo];
  const workers = Array.from({ length: Math.max(1, Math.min(config.concurrency, queue.length)) }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      if (signal.aborted || budget.exhausted) break;
      await runOne(next);
    }
  });
  await Promise.all(workers);

  const status: RunStatus =
    stopError instanceof BudgetExhaustedError
      ? "budget"
      : stopError
        ? "failed"
        : deps.signal?.aborted
          ? "interrupted"
          : progress.sessionsDone === progress.sessionsTotal
            ? "complete"
            : failures.length > 0
              ? "failed"
              : "paused";
  const interrupted = deps.signal?.aborted && !stopError ? deps.signal.reason : undefined;
  if (!deps.sessionIds)
    await updateRunStatus(
      deps.store,
      run.id,
      status,
      now(),
      stopError?.message ?? (failures.length ? `${failures.length} session(s) failed` : null),
    );
  const error = stopError ?? (interrupted instanceof Error ? interrupted : undefined);
  return { status, progress, failures, ...(error ? { error } : {}) };
}

/** A run's progress as stored (for `bench status` and for watching a distributed run from another process). */
export async function readRunProgress(
  store: Store,
  runId: string,
): Promise<{ run: RunRecord; sessions: SessionRecord[]; progress: RunProgress }> {
  const run = await getRun(store, runId);
  const sessions = await listSessions(store, run.id);
  const usage = await runUsage(store, run.id);
  const target = run.config.turns + 2;
  const turnsDone = [...usage.turnsBySession.values()].reduce((a, b) => a + b, 0);
  return {
    run,
    sessions,
    progress: {
      runId: run.id,
      sessionsDone: sessions.filter((s) => s.status === "complete").length,
      sessionsTotal: sessions.length,
      sessionsFailed: sessions.filter((s) => s.status === "failed").length,
      turnsDone,
      turnsTotal: sessions.length * target,
      turnsAdded: 0,
      turnsRemainingAtStart: sessions.length * target - turnsDone,
      byRole: usage.byRole,
      costUsd: usage.costUsd,
    },
  };
}
