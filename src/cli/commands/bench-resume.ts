import type { Command } from "commander";
import { leaseIsLive, RunBusyError, readRunProgress } from "../../bench/index.ts";
import { ExitCode } from "../../core/index.ts";
import { action } from "../run-command.ts";
import { estimateRemaining, executeAndReport } from "./bench-execute.ts";
import { intFlag, queueUrl } from "./bench-flags.ts";
import { cassetteHelp, modelsForRun } from "./bench-models.ts";
import { addRoleUsdBudgets, addUsdBudget, type RoleBudgetFlags, roleUsdBudgets, usdBudget } from "./budget-flags.ts";

interface ResumeFlags extends RoleBudgetFlags {
  concurrency?: number;
  budget?: number;
  budgetUsd?: number;
  cassette?: string;
  cassetteMode?: string;
  cache?: boolean;
  queue?: string | true;
  queueName?: string;
  detach?: boolean;
  force?: boolean;
}

/** `troupe bench resume <run>`: continue a run from its last committed turns. */
export function registerBenchResume(bench: Command): void {
  addRoleUsdBudgets(
    addUsdBudget(bench.command("resume <run>"), "new hard spending limit for the whole run, in US dollars"),
  )
    .description("continue an interrupted, failed or budget-stopped run from its last committed turn")
    .option("-c, --concurrency <n>", "sessions in flight at once (default: as the run was started)", intFlag(1, 4096))
    .option("--cassette <file>", cassetteHelp())
    .option("--cassette-mode <mode>", "record | replay | auto", "auto")
    .option(
      "--cache",
      "also keep every model answer in the response cache (off for bench runs: turns are stored anyway)",
    )
    .option("--queue [redis-url]", "continue on `troupe worker` processes through Redis (no URL: REDIS_URL)")
    .option("--queue-name <name>", "BullMQ queue name, to run separate worker fleets on one Redis", "troupe-bench")
    .option("--detach", "with --queue: enqueue and return")
    .option("--force", "take the run over even if another live process holds it (that process then stops)")
    .addHelpText(
      "after",
      `
Nothing already committed is regenerated and no turn is duplicated: each session continues at the round after
its last committed turn, with the same seeds, so over the same cassette the result equals an uninterrupted run.
The models are rebuilt from the specs stored with the run, using this machine's config and API keys.
A run id prefix is enough when it is unique.

A process generating a run holds a lease on it, renewed every 10 s; resume refuses a run whose lease is fresh
(another process is still generating it: exit 2, naming host:pid) unless --force. A run whose process was killed
is free at once on the same machine, and once its lease runs out (30 s) from any other.

Sessions that failed on an error of their own (a dialogue that outgrew the model's context) are retried; exit
codes are those of bench run: 0 complete, 2 usage (or a run another live process holds), 4 sessions failed or
a model error stopped the run, 6 budget reached, 130 interrupted.

Examples:
  troupe bench resume 20260101-120000-ab12
  troupe bench resume 20260101 --budget-usd 50      # raise the budget of a run that stopped on it
  troupe bench resume 20260101 --cassette run.cassette.jsonl --cassette-mode replay
  troupe bench resume 20260101 --force             # its old process is gone, on a machine you cannot reach`,
    )
    .action(
      action(async (ctx, id: string, flags: ResumeFlags) => {
        const queue = queueUrl(flags.queue, flags.detach, ctx.config.redisUrl);
        const store = await ctx.store();
        const { run, leases } = await readRunProgress(store, id);
        const now = Date.now();
        const holder = leases.find((l) => leaseIsLive(l, { now }));
        // Checked before the models are built; a queued resume only re-enqueues, which live workers tolerate.
        if (holder && !flags.force && !queue) throw new RunBusyError(run.id, holder, now);
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
          ...(usdBudget(flags) === undefined ? {} : { budget: usdBudget(flags) }),
          ...(roleUsdBudgets(flags) ? { roleBudgets: roleUsdBudgets(flags) } : {}),
          ...(queue ? { queue, queueName: flags.queueName } : {}),
          ...(flags.detach ? { detach: true } : {}),
          ...(flags.force ? { force: true } : {}),
        });
      }),
    );
}
