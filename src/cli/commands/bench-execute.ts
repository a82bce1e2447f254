import {
  BudgetExhaustedError,
  checkRedis,
  enqueueSessions,
  estimateRun,
  executeRun,
  openBenchQueue,
  type RunEstimate,
  type RunRecord,
  readRunProgress,
  runUsage,
  sessionJobPending,
  updateRunStatus,
} from "../../bench/index.ts";
import { ExitCode, isTroupeError } from "../../core/index.ts";
import { closeCassettes } from "../../llm/index.ts";
import type { Store } from "../../store/index.ts";
import type { CommandContext } from "../context.ts";
import { formatEstimate, formatRunSummary, type PricedRoles, runProgressDisplay } from "./bench-format.ts";
import type { BenchModels } from "./bench-models.ts";

/** Estimate what is left of a run, calibrating reply lengths on its committed turns when there are some. */
export async function estimateRemaining(
  store: Store,
  run: RunRecord,
  priceOf: BenchModels["priceOf"],
  playerModelId: string | undefined,
  userModelId: string,
): Promise<RunEstimate> {
  const { sessions, progress } = await readRunProgress(store, run.id);
  const { turnsBySession } = await runUsage(store, run.id);
  const committed = new Map(sessions.map((s) => [`${s.seedId}\u0000${s.runIndex}`, turnsBySession.get(s.id) ?? 0]));
  const p = progress.byRole;
  const measured = p.player.calls > 0 && p["user-sim"].calls > 0;
  return estimateRun({
    scenarios: run.scenarios,
    runs: run.config.runs,
    turns: run.config.turns,
    committed: (id, k) => committed.get(`${id}\u0000${k}`) ?? 0,
    playerMaxTokens: run.config.player.params.maxTokens ?? 1024,
    userMaxTokens: run.config.userSimulator.params.maxTokens ?? 256,
    ...(measured
      ? {
          replyTokens: {
            player: Math.max(1, Math.round(p.player.completion_tokens / p.player.calls)),
            "user-sim": Math.max(1, Math.round(p["user-sim"].completion_tokens / p["user-sim"].calls)),
          },
        }
      : {}),
    seesCard: run.config.userSimulator.seesCard,
    ...(run.config.contextStrategy ? { contextStrategy: run.config.contextStrategy } : {}),
    ...(run.config.userSimulator.historyTurns === undefined
      ? {}
      : { historyTurns: run.config.userSimulator.historyTurns }),
    price: { player: playerModelId ? priceOf(playerModelId) : undefined, "user-sim": priceOf(userModelId) },
  });
}

export interface ExecuteFlags {
  concurrency?: number;
  budget?: number;
  /** New per-role limits (recorded on the run). */
  roleBudgets?: { player?: number; "user-sim"?: number } | undefined;
  queue?: string;
  queueName?: string;
  detach?: boolean;
  /** Take the run over even from a live holder of its lease. */
  force?: boolean;
}

/**
 * Run (or continue) a stored run and report: in this process with a progress display, or on a Redis queue for
 * `troupe worker`s while this process watches. Ctrl-C stops cleanly: every committed turn stays, and
 * `troupe bench resume` continues. Returns the exit code.
 */
export async function executeAndReport(
  ctx: CommandContext,
  run: RunRecord,
  models: BenchModels,
  estimate: RunEstimate,
  flags: ExecuteFlags,
): Promise<number> {
  const store = await ctx.store();
  const priced: PricedRoles = {
    player: models.player.modelId !== undefined && models.priceOf(models.player.modelId) !== undefined,
    "user-sim": models.priceOf(models.userModel.id) !== undefined,
  };
  if (!ctx.json) for (const line of formatEstimate(estimate)) ctx.print(line);
  const started = Date.now();
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(ExitCode.interrupted);
    process.stderr.write(
      "\nstopping: turns in flight are abandoned, everything committed is kept (Ctrl-C again to quit now)\n",
    );
    controller.abort(new Error("interrupted"));
  };
  process.on("SIGINT", onSigint);
  try {
    if (flags.queue) return await viaQueue(ctx, store, run, flags, controller.signal, started, estimate, priced);
    const display = runProgressDisplay(`bench ${run.id}`, priced);
    const outcome = await executeRun(run.id, {
      store,
      player: models.player,
      userModel: models.userModel,
      priceOf: models.priceOf,
      signal: controller.signal,
      logger: ctx.logger,
      onProgress: (p) => display.update(p),
      ...(flags.concurrency === undefined ? {} : { concurrency: flags.concurrency }),
      ...(flags.budget === undefined ? {} : { budgetUsd: flags.budget }),
      ...(flags.roleBudgets ? { roleBudgetsUsd: flags.roleBudgets } : {}),
      ...(flags.force ? { force: true } : {}),
    });
    display.done(outcome.progress, outcome.status);
    const elapsed = Date.now() - started;
    if (ctx.json) {
      ctx.printJson({
        run: run.id,
        status: outcome.status,
        progress: outcome.progress,
        failures: outcome.failures,
        estimate,
        elapsedMs: elapsed,
        ...(outcome.error
          ? { error: isTroupeError(outcome.error) ? outcome.error.toJSON() : { message: outcome.error.message } }
          : {}),
      });
    } else {
      for (const line of formatRunSummary(run.id, outcome.status, outcome.progress, elapsed, priced)) ctx.print(line);
      if (outcome.failures.length > 0 && !outcome.error) {
        const n = outcome.failures.length;
        ctx.print(
          `  ${n} session${n === 1 ? "" : "s"} failed on an error of ${n === 1 ? "its" : "their"} own; the other sessions went on:`,
        );
      }
      for (const f of outcome.failures.slice(0, 5)) ctx.print(`  failed ${f.sessionId}: ${f.error}`);
      if (outcome.failures.length > 5)
        ctx.print(`  … and ${outcome.failures.length - 5} more (troupe bench status ${run.id})`);
      for (const hint of new Set(outcome.failures.flatMap((f) => (f.hint && !outcome.error ? [f.hint] : []))))
        ctx.print(`  hint: ${hint}`);
      if (outcome.error && isTroupeError(outcome.error)) {
        ctx.print(`  ${outcome.error.message}`);
        if (outcome.error.hint) ctx.print(`  hint: ${outcome.error.hint}`);
      }
      ctx.print(nextSteps(run.id, outcome.status, outcome.error));
    }
    return exitCodeFor(outcome.status, outcome.error);
  } finally {
    process.off("SIGINT", onSigint);
    await closeCassettes();
  }
}

/**
 * The exit code of a finished `bench run`/`resume`: 0 complete, 6 budget, 130 interrupted, the stopping error's
 * own code when one stopped the run (4 for a model error), and 4 when sessions failed on errors of their own.
 */
function exitCodeFor(status: string, error: Error | undefined): number {
  if (status === "complete") return ExitCode.ok;
  if (status === "budget") return ExitCode.budget;
  if (status === "interrupted") return ExitCode.interrupted;
  if (error && isTroupeError(error)) return error.exitCode;
  return ExitCode.model;
}

function nextSteps(runId: string, status: string, error?: Error): string {
  if (status === "complete")
    return `next: troupe bench export ${runId} --out ./dialogues   (or judge it: troupe bench judge ${runId})`;
  if (status === "budget") {
    // A role's own budget stopped the run: raising the total would not help.
    const role = error instanceof BudgetExhaustedError ? error.role : "all";
    const flag =
      role === "player" ? "--budget-player-usd" : role === "user-sim" ? "--budget-simulator-usd" : "--budget-usd";
    return `continue: troupe bench resume ${runId} ${flag} <larger amount>`;
  }
  if (status === "failed")
    return `retry the failed sessions: troupe bench resume ${runId}   ·   inspect: troupe bench status ${runId}`;
  return `continue: troupe bench resume ${runId}   ·   inspect: troupe bench status ${runId}`;
}

async function viaQueue(
  ctx: CommandContext,
  store: Store,
  run: RunRecord,
  flags: ExecuteFlags,
  signal: AbortSignal,
  started: number,
  estimate: RunEstimate,
  priced: PricedRoles,
): Promise<number> {
  const url = flags.queue as string;
  if (store.dialect !== "postgres") {
    process.stderr.write(
      "warning: the database is SQLite; only workers on this machine can share it. Set DATABASE_URL=postgres://… for workers elsewhere.\n",
    );
  }
  await checkRedis(url);
  const queue = await openBenchQueue(url, flags.queueName);
  try {
    const { sessions } = await readRunProgress(store, run.id);
    const open = sessions.filter((s) => s.status !== "complete").map((s) => s.id);
    const added = await enqueueSessions(queue, run.id, open);
    await updateRunStatus(store, run.id, "queued", Date.now());
    if (!ctx.json)
      ctx.print(
        `queued ${added} session job(s) for run ${run.id} on ${url.replace(/\/\/[^@]*@/, "//***@")}; start workers with: troupe worker --queue <redis-url>`,
      );
    if (flags.detach) {
      if (ctx.json) ctx.printJson({ run: run.id, status: "queued", queued: added, estimate });
      else ctx.print(`detached; watch with: troupe bench status ${run.id}`);
      return ExitCode.ok;
    }
    const display = runProgressDisplay(`bench ${run.id} (workers)`, priced);
    const first = await readRunProgress(store, run.id);
    const baseline = first.progress.turnsDone;
    let last = first;
    for (;;) {
      last = await readRunProgress(store, run.id);
      last.progress.turnsAdded = last.progress.turnsDone - baseline;
      last.progress.turnsRemainingAtStart = first.progress.turnsRemainingAtStart;
      display.update(last.progress);
      const unfinished = last.sessions.filter((s) => s.status !== "complete" && s.status !== "budget");
      if (unfinished.length === 0 || last.sessions.some((s) => s.status === "budget")) break;
      if (signal.aborted) break;
      // Finished when nothing unfinished has a job left (failed sessions whose retries ran out).
      let pending = false;
      for (const s of unfinished) {
        if (await sessionJobPending(queue, s.id)) {
          pending = true;
          break;
        }
      }
      if (!pending) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const status = signal.aborted
      ? "running"
      : last.sessions.every((s) => s.status === "complete")
        ? "complete"
        : last.sessions.some((s) => s.status === "budget")
          ? "budget"
          : "failed";
    display.done(last.progress, status === "running" ? "stopped watching; workers continue" : status);
    const elapsed = Date.now() - started;
    if (ctx.json) ctx.printJson({ run: run.id, status, progress: last.progress, estimate, elapsedMs: elapsed });
    else {
      for (const line of formatRunSummary(run.id, status, last.progress, elapsed, priced)) ctx.print(line);
      ctx.print(nextSteps(run.id, status));
    }
    return status === "running" ? ExitCode.interrupted : exitCodeFor(status, undefined);
  } finally {
    await queue.close();
  }
}
