import { hostname } from "node:os";
import type { Job } from "bullmq";
import { type Logger, type Price, silentLogger } from "../core/index.ts";
import type { ChatModel } from "../llm/index.ts";
import type { Store } from "../store/index.ts";
import { Budget } from "./budget.ts";
import type { Player } from "./player.ts";
import { BENCH_QUEUE, type SessionJobData } from "./queue.ts";
import {
  getRun,
  getSession,
  listSessions,
  type RunRecord,
  runUsage,
  updateRunStatus,
  updateSession,
} from "./run-store.ts";
import { executeRun } from "./runner.ts";

/** The models a worker uses for one run, built from the run's stored specs with the worker's own config and keys. */
export interface RunModels {
  player: Player;
  userModel: ChatModel;
  priceOf?: (modelId: string) => Price | undefined;
}

/** What happened to a job, for logs and tests. */
export type WorkerEvent =
  | { type: "started"; sessionId: string; worker: string }
  | { type: "finished"; sessionId: string; status: string; added: number }
  | { type: "failed"; sessionId: string; error: string }
  | { type: "requeued"; sessionId: string };

export interface BenchWorkerOptions {
  store: Store;
  redisUrl: string;
  queueName?: string;
  /** Sessions this worker runs at once. */
  concurrency: number;
  /** Build (once per run) the models for a run. */
  modelsFor: (run: RunRecord) => Promise<RunModels>;
  /** How long a job's lock lasts without renewal; a killed worker's session is taken over after about this long. */
  lockMs?: number;
  /** How often this worker looks for sessions whose worker died. */
  stalledCheckMs?: number;
  /** Name recorded on sessions (default host:pid). */
  name?: string;
  logger?: Logger;
  onEvent?: (event: WorkerEvent) => void;
  /** How often a run's spending is re-read from the database so the budget holds across workers (ms). */
  budgetRefreshMs?: number;
}

export interface BenchWorker {
  readonly name: string;
  /** Stop taking jobs; sessions in flight stop at their next turn and go back on the queue. */
  close(): Promise<void>;
}

/**
 * A `troupe worker`: takes session jobs from the queue and generates them into the shared database, resuming each
 * from its last committed turn. If a worker dies, BullMQ's stalled-job check hands its session to another worker
 * after the lock expires; the primary key on (session, round) guarantees no turn is written twice.
 */
export async function startBenchWorker(options: BenchWorkerOptions): Promise<BenchWorker> {
  // bullmq (with ioredis) is imported when a worker starts, so commands that never queue do not load it.
  const { WaitingError, Worker } = await import("bullmq");
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const logger = options.logger ?? silentLogger;
  const stopping = new AbortController();
  const models = new Map<string, Promise<RunModels>>();
  const budgets = new Map<string, { budget: Budget; limit: number | undefined; refreshed: number }>();

  const budgetFor = async (run: RunRecord): Promise<Budget> => {
    const limit = run.config.budgetUsd;
    let entry = budgets.get(run.id);
    if (!entry || entry.limit !== limit) {
      entry = { budget: new Budget(limit), limit, refreshed: 0 };
      budgets.set(run.id, entry);
    }
    if (Date.now() - entry.refreshed > (options.budgetRefreshMs ?? 2_000)) {
      entry.budget.observeSpent((await runUsage(options.store, run.id)).costUsd);
      entry.refreshed = Date.now();
    }
    return entry.budget;
  };

  const process_ = async (job: Job<SessionJobData>, token?: string): Promise<string> => {
    const { runId, sessionId } = job.data;
    const session = await getSession(options.store, sessionId);
    if (!session) {
      logger.warn({ sessionId }, "job for an unknown session; dropped");
      return "unknown";
    }
    if (session.status === "complete") return "complete";
    const run = await getRun(options.store, runId);
    let modelsPromise = models.get(run.id);
    if (!modelsPromise) {
      modelsPromise = options.modelsFor(run);
      models.set(run.id, modelsPromise);
      modelsPromise.catch(() => models.delete(run.id));
    }
    const m = await modelsPromise;
    if (run.status !== "running" && run.status !== "complete")
      await updateRunStatus(options.store, run.id, "running", Date.now());
    options.onEvent?.({ type: "started", sessionId, worker: name });
    const outcome = await executeRun(run.id, {
      store: options.store,
      player: m.player,
      userModel: m.userModel,
      ...(m.priceOf ? { priceOf: m.priceOf } : {}),
      sessionIds: [sessionId],
      concurrency: 1,
      signal: stopping.signal,
      worker: name,
      // Workers share runs: each holds its own lease on the run, so a reader sees it live while any one works.
      holder: { owner: name, host: hostname(), pid: process.pid },
      budget: await budgetFor(run),
      logger,
    });
    if (stopping.signal.aborted) {
      // Shutting down: hand the session back without counting a failed attempt.
      if (token) await job.moveToWait(token);
      options.onEvent?.({ type: "requeued", sessionId });
      throw new WaitingError();
    }
    const failure = outcome.failures.find((f) => f.sessionId === sessionId);
    if (failure && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) {
      // BullMQ will try again: "failed" in the database means failed for good, so mark it pending meanwhile.
      await updateSession(options.store, sessionId, {
        status: "pending",
        error: `attempt ${job.attemptsMade + 1}: ${failure.error}; retrying`,
      });
    }
    await settleRunStatus(options.store, run.id);
    if (failure) {
      options.onEvent?.({ type: "failed", sessionId, error: failure.error });
      // Let BullMQ retry with back-off; the next attempt resumes from the last committed turn.
      throw new Error(failure.error);
    }
    options.onEvent?.({ type: "finished", sessionId, status: outcome.status, added: outcome.progress.turnsAdded });
    return outcome.status;
  };

  const worker = new Worker<SessionJobData, string>(options.queueName ?? BENCH_QUEUE, process_, {
    connection: { url: options.redisUrl, maxRetriesPerRequest: null },
    concurrency: options.concurrency,
    lockDuration: options.lockMs ?? 30_000,
    stalledInterval: options.stalledCheckMs ?? 30_000,
    // A session may be taken over several times (machines come and go); losing it to "failed" after one stall
    // would strand work that is perfectly resumable.
    maxStalledCount: 100,
    autorun: true,
  });
  worker.on("error", (error) => logger.warn({ error: error.message }, "worker connection error"));
  await worker.waitUntilReady();
  return {
    name,
    async close() {
      stopping.abort(new Error("worker stopping"));
      await worker.close();
    },
  };
}

/**
 * Mark a distributed run complete once every session is, `budget` once one stopped on the budget, and `failed`
 * when nothing is left to run but some sessions failed for good (a session between retries is `pending`).
 */
export async function settleRunStatus(store: Store, runId: string): Promise<void> {
  const sessions = await listSessions(store, runId);
  const now = Date.now();
  if (sessions.every((s) => s.status === "complete")) await updateRunStatus(store, runId, "complete", now);
  else if (sessions.some((s) => s.status === "budget"))
    await updateRunStatus(store, runId, "budget", now, "budget reached");
  else if (sessions.every((s) => s.status === "complete" || s.status === "failed")) {
    const failed = sessions.filter((s) => s.status === "failed").length;
    await updateRunStatus(store, runId, "failed", now, `${failed} session(s) failed`);
  }
}
