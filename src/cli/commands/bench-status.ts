import type { Command } from "commander";
import { readRunProgress, runUsage } from "../../bench/index.ts";
import { ExitCode } from "../../core/index.ts";
import { formatCount } from "../progress.ts";
import { action } from "../run-command.ts";
import { formatRole, pricedRoles } from "./bench-format.ts";

/** `troupe bench status <run>`: where a run stands, what it cost, and what failed. */
export function registerBenchStatus(bench: Command): void {
  bench
    .command("status <run>")
    .description("show a run's progress, settings, usage per role and failed sessions")
    .option("--sessions", "list every session with its status and committed turns")
    .addHelpText(
      "after",
      `
Works while the run is going (from another terminal, or for a distributed run from any machine sharing the
database). A run id prefix is enough when it is unique.

Examples:
  troupe bench status 20260101-120000-ab12
  troupe bench status 20260101 --sessions
  troupe bench status 20260101 --json | jq .progress`,
    )
    .action(
      action(async (ctx, id: string, flags: { sessions?: boolean }) => {
        const store = await ctx.store();
        const { run, sessions, progress } = await readRunProgress(store, id);
        const usage = await runUsage(store, run.id);
        const byStatus: Record<string, number> = {};
        for (const s of sessions) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
        const failed = sessions
          .filter((s) => s.status === "failed" || s.status === "budget")
          .map((s) => ({ session: s.id, status: s.status, error: s.error }));
        if (ctx.json) {
          ctx.printJson({
            run: run.id,
            status: run.status,
            createdAt: new Date(run.createdAt).toISOString(),
            updatedAt: new Date(run.updatedAt).toISOString(),
            config: run.config,
            progress,
            sessionsByStatus: byStatus,
            failed,
            ...(flags.sessions
              ? {
                  sessions: sessions.map((s) => ({
                    id: s.id,
                    seed_id: s.seedId,
                    run_id: s.runLabel,
                    status: s.status,
                    turns: usage.turnsBySession.get(s.id) ?? 0,
                    persona: s.plan.persona,
                    worker: s.worker,
                    error: s.error,
                  })),
                }
              : {}),
          });
          return ExitCode.ok;
        }
        const c = run.config;
        ctx.print(`run ${run.id}  ${run.status}${run.error ? ` (${run.error})` : ""}`);
        ctx.print(
          `  created ${new Date(run.createdAt).toISOString()}  updated ${new Date(run.updatedAt).toISOString()}`,
        );
        ctx.print(
          `  suite ${c.suite.name} (${c.suite.source}, hash ${c.suite.hash}): ${run.scenarios.length} scenarios × ${c.runs} runs × ${c.turns + 2} turns`,
        );
        ctx.print(`  model ${c.player.spec} as "${c.modelName}" ${JSON.stringify(c.player.params)}`);
        ctx.print(
          `  user simulator ${c.userSimulator.spec} ${JSON.stringify(c.userSimulator.params)}, prompt ${c.userSimulator.promptVersion} (${c.userSimulator.promptHash}), sees card: ${c.userSimulator.seesCard ? "yes" : "no"}`,
        );
        ctx.print(
          `  personas ${c.userSimulator.personas.join(",")}; traps ${c.userSimulator.traps.join(",") || "none"}; seed ${c.seed}; concurrency ${c.concurrency}${c.budgetUsd ? `; budget $${c.budgetUsd}` : ""}`,
        );
        ctx.print(
          `  sessions ${progress.sessionsDone}/${progress.sessionsTotal} complete (${Object.entries(byStatus)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ")}); turns ${formatCount(progress.turnsDone)}/${formatCount(progress.turnsTotal)}`,
        );
        const priced = pricedRoles(ctx.config, run);
        ctx.print(`  ${formatRole("player", progress.byRole.player, priced.player)}`);
        ctx.print(`  ${formatRole("user-sim", progress.byRole["user-sim"], priced["user-sim"])}`);
        for (const f of failed.slice(0, 10)) ctx.print(`  ${f.status} ${f.session}: ${f.error ?? ""}`);
        if (flags.sessions) {
          for (const s of sessions) {
            ctx.print(
              `  ${s.status.padEnd(8)} ${String(usage.turnsBySession.get(s.id) ?? 0).padStart(4)}/${c.turns + 2}  ${s.seedId} ${s.runLabel}  persona ${s.plan.persona}${s.worker ? `  worker ${s.worker}` : ""}`,
            );
          }
        }
        if (run.status !== "complete") ctx.print(`continue with: troupe bench resume ${run.id}`);
        return ExitCode.ok;
      }),
    );
}
