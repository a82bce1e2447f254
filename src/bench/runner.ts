import { setMaxListeners } from "node:events";
import PQueue from "p-queue";
import { isTroupeError, type Logger, type Price, silentLogger, UsageError } from "../core/index.ts";
import type { ChatModel } from "../llm/index.ts";
import type { Store } from "../store/index.ts";
import { Budget, BudgetExhaustedError, budgetGuard } from "./budget.ts";
import type { RoleTotals, TurnMeta } from "./dialogue.ts";
import type { Player } from "./player.ts";
import type { RunConfig } from "./run-config.ts";
import {
  acquireRunLease,
  DEFAULT_LEASE_MS,
  effectiveRunStatus,
  keepRunLease,
  type LeaseHolder,
  type LivenessCheck,
  listRunLeases,
  type RunLease,
  thisProcess,
} from "./run-lease.ts";
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
import { failureScope, SessionTurnError } from "./session-failure.ts";
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
  failures: Array<{ sessionId: string; error: string; code?: string; hint?: string }>;
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
  /** New spending limits of single roles (recorded on the run, like `budgetUsd`). */
  roleBudgetsUsd?: { player?: number; "user-sim"?: number };
  /** A budget shared with other runs of this function (a worker's sessions of one run); default: a new one. */
  budget?: Budget;
  /** Who holds the run's lease (default: this process, "host:pid"). */
  holder?: LeaseHolder;
  /** Take the run over even when another live process holds its lease. */
  force?: boolean;
  /** Lease period in ms (default 30 s; renewed every third of it). */
  leaseMs?: number;
  /** Whether a pid of this machine is alive (tests); default: signal 0. */
  alive?: (pid: number) => boolean;
}

/**
 * Refuse a budget the run cannot price: every model the run calls needs a price, or the limit means nothing.
 * Called before a run is created, and again by `executeRun` (a resume under another config).
 */
export function assertBudgetPriced(
  limitUsd: number | undefined,
  modelIds: ReadonlyArray<string | undefined>,
  priceOf: (modelId: string) => Price | undefined,
): void {
  if (limitUsd === undefined) return;
  for (const id of modelIds) {
    if (id && !priceOf(id)) {
      throw new UsageError("bench.budget_unpriced", `--budget-usd needs a price for ${id}, and none is configured.`, {
        hint: `Add it to troupe.config.yaml: prices: { "${id}": { input: <USD per 1M prompt tokens>, output: <USD per 1M completion tokens> } }, or set price: on the named endpoint.`,
      });
    }
  }
}

/**
 * Generate every unfinished session of a run, `concurrency` sessions at a time (each session is sequential).
 * Safe to call again after any interruption: sessions continue from their last committed turn. A budget stop, an
 * interrupt or an error every session would hit (a bad key) stops the run resumable with everything committed so
 * far; an error of one session (its dialogue outgrew the model's context) fails that session only, and the others
 * go on. The process holds a lease on the run while it works (see run-lease.ts): a run another live process holds
 * is refused with RunBusyError unless `force`.
 */
export async function executeRun(runId: string, deps: ExecuteRunDeps): Promise<RunOutcome> {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? silentLogger;
  const priceOf = deps.priceOf ?? (() => undefined);
  const wholeRun = !deps.sessionIds;
  let run = await getRun(deps.store, runId);
  assertBudgetPriced(deps.budgetUsd ?? run.config.budgetUsd, [deps.player.modelId, deps.userModel.id], priceOf);
  const roles = { ...run.config.roleBudgetsUsd, ...deps.roleBudgetsUsd };
  assertBudgetPriced(roles.player, [deps.player.modelId], priceOf);
  assertBudgetPriced(roles["user-sim"], [deps.userModel.id], priceOf);
  const holder = deps.holder ?? thisProcess();
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  await acquireRunLease(deps.store, run.id, {
    holder,
    now: now(),
    leaseMs,
    exclusive: wholeRun,
    ...(deps.force ? { force: true } : {}),
    ...(deps.alive ? { alive: deps.alive } : {}),
  });
  const keeper = keepRunLease(deps.store, run.id, {
    holder,
    leaseMs,
    now,
    onError: (error) => logger.warn({ run: run.id, error: String(error) }, "could not renew the run's lease"),
  });
  try {
    if (deps.budgetUsd !== undefined && deps.budgetUsd !== run.config.budgetUsd) {
      // A new budget is part of the run's record (a later resume without --budget-usd keeps it).
      const updated: RunConfig = { ...run.config, budgetUsd: deps.budgetUsd };
      await updateRunConfig(deps.store, run.id, updated, now());
      run = { ...run, config: updated };
    }
    if (deps.roleBudgetsUsd && JSON.stringify(roles) !== JSON.stringify(run.config.roleBudgetsUsd ?? {})) {
      // Role budgets are recorded like the total: a later resume without the flags keeps them.
      const updated: RunConfig = { ...run.config, roleBudgetsUsd: roles };
      await updateRunConfig(deps.store, run.id, updated, now());
      run = { ...run, config: updated };
    }
    if (deps.concurrency !== undefined) run = { ...run, config: { ...run.config, concurrency: deps.concurrency } };
    return await generate(run, deps, keeper.lost, now, logger, priceOf);
  } finally {
    // A whole-run executor gives its claim up; a worker's expires by itself, covering the gap before its next job.
    await keeper.stop(wholeRun);
  }
}

async function generate(
  run: RunRecord,
  deps: ExecuteRunDeps,
  lost: AbortSignal,
  now: () => number,
  logger: Logger,
  priceOf: (modelId: string) => Price | undefined,
): Promise<RunOutcome> {
  const { config } = run;
  const scenarios = new Map(run.scenarios.map((s) => [s.id, s]));
  const allSessions = await listSessions(deps.store, run.id);
  const usage = await runUsage(deps.store, run.id);
  const target = config.turns + 2;
  const wanted = deps.sessionIds ? new Set(deps.sessionIds) : undefined;
  const todo = allSessions.filter(
    (s) =>
      (wanted ? wanted.has(s.id) : true) && (s.status !== "complete" || (usage.turnsBySession.get(s.id) ?? 0) < target),
  );
  const budget = deps.budget ?? new Budget(config.budgetUsd, usage.costUsd);
  budget.observeSpent(usage.costUsd);
  // A role's budget counts that role's spending so far (from its committed turns), like the run's total.
  const roleBudget = (role: "player" | "user-sim") => {
    const limit = config.roleBudgetsUsd?.[role];
    if (limit === undefined) return [];
    const flag = role === "player" ? "--budget-player-usd" : "--budget-simulator-usd";
    return [
      new Budget(limit, usage.byRole[role].cost_usd, {
        role,
        hint: `Every finished turn is saved. Continue with \`troupe bench resume ${run.id} ${flag} <larger amount>\`.`,
      }),
    ];
  };
  const guard = budgetGuard(budget, priceOf, roleBudget("player"));
  const simulatorGuard = budgetGuard(budget, priceOf, roleBudget("user-sim"));
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
  const signal = AbortSignal.any([stop.signal, lost, ...(deps.signal ? [deps.signal] : [])]);
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
    // Sessions not started yet stay pending once the run is stopping.
    if (signal.aborted || budget.exhausted) return;
    const startedAt = now();
    await updateSession(deps.store, session.id, {
      status: "running",
      worker: deps.worker ?? null,
      started_at: session.startedAt ?? startedAt,
      heartbeat_at: startedAt,
      error: null,
    });
    try {
      const scenario = scenarios.get(session.seedId);
      if (!scenario) throw new Error(`run ${run.id} has no scenario ${session.seedId}`);
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
        simulatorGuard,
        playerMaxTokens: config.player.params.maxTokens ?? 1024,
        ...(config.contextStrategy ? { contextStrategy: config.contextStrategy } : {}),
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
      failures.push({
        sessionId: session.id,
        error: message,
        ...(isTroupeError(error) ? { code: error.code, ...(error.hint ? { hint: error.hint } : {}) } : {}),
      });
      progress.sessionsFailed++;
      deps.onProgress?.(progress);
      const role = error instanceof SessionTurnError ? error.role : undefined;
      if (failureScope(error, role !== undefined && byRole[role].calls > 0) === "run") {
        const cause = error instanceof SessionTurnError && error.cause instanceof Error ? error.cause : error;
        stopError ??= cause instanceof Error ? cause : new Error(message);
        stop.abort(stopError);
      } else {
        logger.warn({ session: session.id, error: message }, "session failed; the others go on, resume retries it");
      }
    }
  };

  // p-queue runs `concurrency` sessions at a time; each checks the stop conditions before it starts.
  const queue = new PQueue({ concurrency: Math.max(1, config.concurrency) });
  const settled = await Promise.allSettled(todo.map((session) => queue.add(() => runOne(session))));
  const unexpected = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (unexpected) throw unexpected.reason;

  const takenOver = lost.aborted ? (lost.reason as Error) : undefined;
  const status: RunStatus =
    stopError instanceof BudgetExhaustedError
      ? "budget"
      : stopError
        ? "failed"
        : deps.signal?.aborted || takenOver
          ? "interrupted"
          : progress.sessionsDone === progress.sessionsTotal
            ? "complete"
            : failures.length > 0
              ? "failed"
              : "paused";
  const interrupted = deps.signal?.aborted && !stopError ? deps.signal.reason : undefined;
  // A run taken over belongs to the other process now: its status is theirs to write.
  if (!deps.sessionIds && !takenOver)
    await updateRunStatus(
      deps.store,
      run.id,
      status,
      now(),
      stopError?.message ?? (failures.length ? `${failures.length} session(s) failed` : null),
    );
  const error = stopError ?? takenOver ?? (interrupted instanceof Error ? interrupted : undefined);
  return { status, progress, failures, ...(error ? { error } : {}) };
}

/** A run's progress as stored (for `bench status` and for watching a distributed run from another process). */
export async function readRunProgress(
  store: Store,
  runId: string,
  check: Partial<LivenessCheck> = {},
): Promise<{
  run: RunRecord;
  /** The status to show: the stored one, except a "running" run no live process holds, which is "interrupted". */
  status: RunStatus;
  /** The run's leases, live or stale (who holds or last held it). */
  leases: RunLease[];
  sessions: SessionRecord[];
  progress: RunProgress;
}> {
  const run = await getRun(store, runId);
  const sessions = await listSessions(store, run.id);
  const usage = await runUsage(store, run.id);
  const leases = await listRunLeases(store, run.id);
  const target = run.config.turns + 2;
  const turnsDone = [...usage.turnsBySession.values()].reduce((a, b) => a + b, 0);
  return {
    run,
    status: effectiveRunStatus(run.status, leases, { ...check, now: check.now ?? Date.now() }),
    leases,
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
