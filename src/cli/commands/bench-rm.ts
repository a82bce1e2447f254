import type { Command } from "commander";
import { checkRemovable, type RemovedRun, removeRun } from "../../bench/index.ts";
import { ExitCode } from "../../core/index.ts";
import { action } from "../run-command.ts";

/** `troupe bench rm <run...>`: delete runs with their sessions and turns. */
export function registerBenchRm(bench: Command): void {
  bench
    .command("rm <run...>")
    .description("delete bench runs with their sessions and turns (refuses a run a live process is generating)")
    .option("--force", "delete even a run another live process holds (that process then fails on its next write)")
    .addHelpText(
      "after",
      `
Takes whole run ids (as \`troupe bench ls\` prints them), so a prefix never deletes the wrong run. A run that a
live process is generating (its lease is fresh) is refused, naming the process, unless --force; an interrupted
run (killed, or stopped on an error) is deleted at once. Every id is checked before anything is deleted, so one
refused id deletes nothing. Judgements made of a run are kept.

Examples:
  troupe bench rm 20260101-120000-ab12
  troupe bench rm 20260101-120000-ab12 20260102-080000-cd34
  troupe bench ls --json | jq -r '.runs[] | select(.status == "interrupted") | .id' | xargs troupe bench rm
  troupe bench rm 20260101-120000-ab12 --force     # its process runs on a machine you cannot reach`,
    )
    .action(
      action(async (ctx, ids: string[], flags: { force?: boolean }) => {
        const store = await ctx.store();
        const options = flags.force ? { force: true } : {};
        const unique = [...new Set(ids)];
        for (const id of unique) await checkRemovable(store, id, options);
        const removed: RemovedRun[] = [];
        for (const id of unique) {
          const gone = await removeRun(store, id, options);
          removed.push(gone);
          if (!ctx.json) ctx.print(`removed run ${gone.id} (${gone.status}, ${gone.turns} turns)`);
        }
        if (ctx.json) ctx.printJson({ removed });
        return ExitCode.ok;
      }),
    );
}
