import type { Command } from "commander";
import { checkRedis, startBenchWorker, type WorkerEvent } from "../../bench/index.ts";
import { ExitCode, UsageError } from "../../core/index.ts";
import { closeCassettes } from "../../llm/index.ts";
import { action } from "../run-command.ts";
import { intFlag } from "./bench-flags.ts";
import { modelsForRun } from "./bench-models.ts";

interface WorkerFlags {
  queue?: string;
  queueName: string;
  concurrency: number;
  lockMs: number;
  stalledMs: number;
  cache?: boolean;
}

/** `troupe worker`: take bench sessions from a Redis queue and write their turns to the shared database. */
export function registerWorker(program: Command): void {
  program
    .command("worker")
    .exitOverride()
    .description("process distributed bench sessions from a Redis queue (see `troupe bench run --queue`)")
    .option("--queue <redis-url>", "the Redis the runs were queued on (env REDIS_URL)")
    .option("--queue-name <name>", "BullMQ queue name (as given to bench run --queue-name)", "troupe-bench")
    .option("-c, --concurrency <n>", "sessions this worker runs at once", intFlag(1, 4096), 4)
    .option(
      "--lock-ms <ms>",
      "job lock; a killed worker's session is taken over after about this long",
      intFlag(1_000),
      30_000,
    )
    .option("--stalled-ms <ms>", "how often to look for sessions whose worker died", intFlag(500), 30_000)
    .option(
      "--cache",
      "also keep every model answer in the response cache (off for bench runs: turns are stored anyway)",
    )
    .addHelpText(
      "after",
      `
Run any number of workers on any machines that share the same PostgreSQL (DATABASE_URL=postgres://…) and Redis.
Each worker rebuilds a run's models from the specs stored with the run, using its own troupe.config.yaml and API
keys, and continues each session from its last committed turn. If a worker is killed, its session is handed to
another worker once the job lock expires (--lock-ms); no turn is lost or written twice.
Stop a worker with Ctrl-C or SIGTERM: sessions in flight go back on the queue.

Examples:
  DATABASE_URL=postgres://bench@db:5432/troupe troupe worker --queue redis://queue:6379 --concurrency 16
  troupe bench run --suite builtin-en --model openai:gpt-4.1-mini --queue redis://queue:6379 --detach`,
    )
    .action(
      action(async (ctx, flags: WorkerFlags) => {
        const url = flags.queue ?? ctx.config.redisUrl;
        if (!url) throw new UsageError("worker.no_queue", "No queue: pass --queue redis://host:6379 or set REDIS_URL.");
        await checkRedis(url);
        const store = await ctx.store();
        if (store.dialect !== "postgres") {
          process.stderr.write(
            "warning: the database is SQLite; only processes on this machine share it. Set DATABASE_URL=postgres://… for a cluster.\n",
          );
        }
        const log = (e: WorkerEvent) => {
          if (ctx.json) process.stdout.write(`${JSON.stringify(e)}\n`);
          else
            process.stderr.write(
              `${new Date().toISOString()} ${e.type} ${e.sessionId}${"status" in e ? ` ${e.status} (+${e.added} turns)` : ""}${"error" in e ? ` ${e.error}` : ""}\n`,
            );
        };
        const worker = await startBenchWorker({
          store,
          redisUrl: url,
          queueName: flags.queueName,
          concurrency: flags.concurrency,
          lockMs: flags.lockMs,
          stalledCheckMs: flags.stalledMs,
          logger: ctx.logger,
          onEvent: log,
          modelsFor: async (run) => {
            const m = await modelsForRun(ctx, run, flags.cache === true ? { cache: true } : {}, flags.concurrency);
            return { player: m.player, userModel: m.userModel, priceOf: m.priceOf };
          },
        });
        process.stderr.write(
          `worker ${worker.name} waiting for sessions on ${url.replace(/\/\/[^@]*@/, "//***@")} (Ctrl-C to stop)\n`,
        );
        // `on`, not `once`: with a local model loaded, signal-exit re-raises the signal when it is the only listener
        // left, which would kill the worker before its sessions go back on the queue.
        let stop = () => {};
        const stopped = new Promise<void>((resolve) => {
          stop = () => resolve();
        });
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
        await stopped;
        process.stderr.write("stopping: sessions in flight go back on the queue\n");
        await worker.close();
        await closeCassettes();
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        return ExitCode.ok;
      }),
    );
}
