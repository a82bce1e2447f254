import type { Queue } from "bullmq";
import { ExitCode, redactUrl, sha256, TroupeError, UsageError } from "../core/index.ts";

/** The BullMQ queue bench sessions travel on (override per deployment with `queueName`). */
export const BENCH_QUEUE = "troupe-bench";

/** One job = one session to generate (or continue). Workers read everything else from the database. */
export interface SessionJobData {
  runId: string;
  sessionId: string;
}

/** BullMQ job ids may not contain ":"; a hash of the session id is stable and safe. */
export function sessionJobId(sessionId: string): string {
  return `s-${sha256(sessionId).slice(0, 32)}`;
}

/** Check that a URL names Redis and that the server answers, so a typo fails in seconds, not by hanging. */
export async function checkRedis(url: string, timeoutMs = 3_000): Promise<void> {
  if (!/^rediss?:\/\//i.test(url)) {
    throw new UsageError("bench.invalid_queue_url", `--queue ${redactUrl(url)} is not a redis:// URL.`, {
      hint: "Use redis://host:6379 (or rediss:// for TLS), or set REDIS_URL.",
    });
  }
  // Imported on first use, like bullmq below: only distributed runs need a Redis client.
  const { Redis } = await import("ioredis");
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new TroupeError(
      "bench.redis_unreachable",
      `Cannot reach Redis at ${redactUrl(url)}: ${(error as Error).message}`,
      {
        hint: "Start Redis (redis-server) or fix --queue / REDIS_URL; without --queue the run goes in this process.",
        // The queue is storage the run depends on, like the database: not a bug (1), not a model failure (4).
        exitCode: ExitCode.storage,
        cause: error,
      },
    );
  } finally {
    client.disconnect();
  }
}

/** Open the bench queue on a Redis URL. */
export async function openBenchQueue(url: string, name = BENCH_QUEUE): Promise<Queue<SessionJobData>> {
  const { Queue } = await import("bullmq");
  return new Queue<SessionJobData>(name, { connection: { url, maxRetriesPerRequest: null } });
}

/**
 * Put sessions on the queue as jobs. A session already waiting or running is not added twice (the job id is the
 * session's); a finished or failed job of the same session is replaced, so `resume` can re-enqueue.
 */
export async function enqueueSessions(
  queue: Queue<SessionJobData>,
  runId: string,
  sessionIds: readonly string[],
): Promise<number> {
  let added = 0;
  for (const sessionId of sessionIds) {
    const jobId = sessionJobId(sessionId);
    const existing = await queue.getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      if (state === "waiting" || state === "active" || state === "delayed" || state === "prioritized") continue;
      await existing.remove().catch(() => {});
    }
    await queue.add(
      "session",
      { runId, sessionId },
      {
        jobId,
        attempts: 3,
        backoff: { type: "exponential", delay: 5_000 },
        removeOnComplete: true,
        removeOnFail: { count: 10_000 },
      },
    );
    added++;
  }
  return added;
}

/** Whether a session's job is still waiting, running or scheduled for a retry. */
export async function sessionJobPending(queue: Queue<SessionJobData>, sessionId: string): Promise<boolean> {
  const job = await queue.getJob(sessionJobId(sessionId));
  if (!job) return false;
  const state = await job.getState();
  return (
    state === "waiting" ||
    state === "active" ||
    state === "delayed" ||
    state === "prioritized" ||
    state === "waiting-children"
  );
}
