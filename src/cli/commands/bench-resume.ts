import type { Command } from "commander";
import { getRun } from "../../bench/index.ts";
import { ExitCode } from "../../core/index.ts";
import { action } from "../run-command.ts";
import { estimateRemaining, executeAndReport } from "./bench-execute.ts";
import { intFlag, numberFlag, queueUrl } from "./bench-flags.ts";
import { cassetteHelp, modelsForRun } from "./bench-models.ts";

interface ResumeFlags {
  concurrency?: number;
  budget?: number;
  cassette?: string;
  cassetteMode?: string;
  cache?: boolean;
  queue?: string | true;
  queueName?: string;
  detach?: boolean;
}

/** `troupe bench resume <run>`: continue a run from its last committed turns. */
export function registerBenchResume(bench: Command): void {
  bench
    .command("resume <run>")
    .description("continue an interrupted, failed or budget-stopped run from its last committed turn")
    .option("-c, --concurrency <n>", "sessions in flight at once (default: as the run was started)", intFlag(1, 4096))
    .option(
      "--budget <usd>",
      "new hard spending limit for the whole run, in US dollars",
      numberFlag(0, Number.POSITIVE_INFINITY, true),
    )
    .option("--cassette <file>", cassetteHelp())
    .option("--cassette-mode <mode>", "record | replay | auto", "auto")
    .option(
      "--cache",
      "also keep every model answer in the response cache (off for bench runs: turns are stored anyway)",
    )
    .option("--queue [redis-url]", "continue on `troupe worker` processes through Redis (no URL: REDIS_URL)")
    .option("--queue-name <name>", "BullMQ queue name, to run separate worker fleets on one Redis", "troupe-bench")
    .option("--detach", "with --queue: enqueue and return")
    .addHelpText(
      "after",
      `
Nothing already committed is regenerated and no turn is duplicated: each session continues at the round after
its last committed turn, with the same seeds, so over the same cassette the result equals an uninterrupted run.
The models are rebuilt from the specs stored with the run, using this machine's config and API keys.
A run id prefix is enough when it is unique.

Examples:
  troupe bench resume 20260101-120000-ab12
  troupe bench resume 20260101 --budget 50          # raise the budget of a run that stopped on it
  troupe bench resume 20260101 --cassette run.cassette.jsonl --cassette-mode replay`,
    )
    .action(
      action(async (ctx, id: string, flags: ResumeFlags) => {
        const queue = queueUrl(flags.queue, flags.detach, ctx.config.redisUrl);
        const store = await ctx.store();
        const run = await getRun(store, id);
        if (run.status === "complete") {
          if (ctx.json) ctx.printJson({ run: run.id, status: "complete" });
          else ctx.print(`run ${run.id} is already complete; nothing to do.`);
          return ExitCode.ok;
        }
        const concurrency = flags.concurrency ?? run.config.concurrency;
        const models = await modelsForRun(
          ctx,
          run,
          {
            ...(flags.cassette ? { cassette: flags.cassette, cassetteMode: flags.cassetteMode ?? "auto" } : {}),
            ...(flags.cache === true ? { cache: true } : {}),
          },
          concurrency,
        );
        const estimate = await estimateRemaining(
          store,
          run,
          models.priceOf,
          models.player.modelId,
          models.userModel.id,
        );
        if (!ctx.json) ctx.print(`resuming run ${run.id} (${run.status})`);
        return executeAndReport(ctx, run, models, estimate, {
          concurrency,
          ...(flags.budget === undefined ? {} : { budget: flags.budget }),
          ...(queue ? { queue, queueName: flags.queueName } : {}),
          ...(flags.detach ? { detach: true } : {}),
        });
      }),
    );
}
