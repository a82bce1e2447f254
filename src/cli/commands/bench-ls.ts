import type { Command } from "commander";
import { effectiveRunStatus, listRunLeases, listRunRecords, listSessions, runUsage } from "../../bench/run-records.ts";
import { ExitCode } from "../../core/index.ts";
import { action } from "../run-command.ts";
import { intFlag } from "./bench-flags.ts";
import { pricedRoles } from "./bench-format.ts";

/** `troupe bench ls`: the runs in the store, newest first. */
export function registerBenchLs(bench: Command): void {
  bench
    .command("ls")
    .description("list bench runs, newest first, with status, progress and cost")
    .option("-n, --limit <n>", "at most n runs", intFlag(1), 50)
    .addHelpText(
      "after",
      `
A run stored as running that no live process holds (its process was killed) shows as interrupted; a failed
run shows how many of its sessions failed, e.g. "failed (2)".

Examples:
  troupe bench ls
  troupe bench ls --json | jq -r '.runs[].id'`,
    )
    .action(
      action(async (ctx, flags: { limit: number }) => {
        const store = await ctx.store();
        const runs = await listRunRecords(store, flags.limit);
        const rows = [];
        const now = Date.now();
        for (const run of runs) {
          const usage = await runUsage(store, run.id);
          const status = effectiveRunStatus(run.status, await listRunLeases(store, run.id), { now });
          const failed = (await listSessions(store, run.id)).filter((s) => s.status === "failed").length;
          const turns = [...usage.turnsBySession.values()].reduce((a, b) => a + b, 0);
          const total = run.scenarios.length * run.config.runs * (run.config.turns + 2);
          rows.push({
            id: run.id,
            createdAt: new Date(run.createdAt).toISOString(),
            status,
            sessionsFailed: failed,
            suite: run.config.suite.name,
            model: run.config.modelName,
            userModel: run.config.userSimulator.spec,
            scenarios: run.scenarios.length,
            runs: run.config.runs,
            turns: run.config.turns,
            turnsDone: turns,
            turnsTotal: total,
            costUsd: usage.costUsd,
            priced: Object.values(pricedRoles(ctx.config, run)).every(Boolean),
          });
        }
        if (ctx.json) {
          ctx.printJson({ runs: rows });
          return ExitCode.ok;
        }
        if (rows.length === 0) {
          ctx.print("no bench runs yet; start one with `troupe bench run --help`");
          return ExitCode.ok;
        }
        ctx.print(
          `${"id".padEnd(22)} ${"status".padEnd(11)} ${"suite".padEnd(16)} ${"progress".padEnd(16)} ${"cost".padEnd(10)} model`,
        );
        for (const r of rows) {
          const pct = r.turnsTotal ? Math.floor((100 * r.turnsDone) / r.turnsTotal) : 100;
          ctx.print(
            `${r.id.padEnd(22)} ${(r.sessionsFailed ? `${r.status} (${r.sessionsFailed})` : r.status).padEnd(11)} ${r.suite.slice(0, 16).padEnd(16)} ${`${r.turnsDone}/${r.turnsTotal} ${pct}%`.padEnd(16)} ${(r.priced ? `$${r.costUsd.toFixed(4)}` : "unpriced").padEnd(10)} ${r.model}`,
          );
        }
        return ExitCode.ok;
      }),
    );
}
