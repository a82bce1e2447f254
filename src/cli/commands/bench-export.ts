import { resolve } from "node:path";
import type { Command } from "commander";
import { getRun, loadRunDialogues, writeRoleplayBenchExport, writeTranscripts } from "../../bench/index.ts";
import { ExitCode, UsageError } from "../../core/index.ts";
import { action } from "../run-command.ts";

interface ExportFlags {
  format: string;
  out: string;
  includePartial?: boolean;
  meta?: boolean;
}

/** `troupe bench export <run>`: dialogues in the official role-play-bench shape, or readable transcripts. */
export function registerBenchExport(bench: Command): void {
  bench
    .command("export <run>")
    .description("write a run's dialogues as role-play-bench dialogues.jsonl (+ seeds.jsonl) or as text transcripts")
    .option("-f, --format <format>", "role-play-bench | text", "role-play-bench")
    .requiredOption("-o, --out <dir>", "output folder")
    .option("--include-partial", "also export sessions that are not finished (their meta.status is partial)")
    .option("--no-meta", "leave out troupe's meta key (models, seeds, per-turn latency, tokens, cost)")
    .addHelpText(
      "after",
      `
role-play-bench writes dialogues.jsonl exactly as the official dataset does ({seed_id, model_name, run_id,
num_turns, dialogue} with dialogue as a JSON string), plus troupe's meta key, and seeds.jsonl with the scenarios
used; the folder loads back with --suite <folder> and into any tool that reads the official files.

Examples:
  troupe bench export 20260101-120000-ab12 --out ./dialogues
  troupe bench export 20260101 --format text --out ./transcripts`,
    )
    .action(
      action(async (ctx, id: string, flags: ExportFlags) => {
        if (flags.format !== "role-play-bench" && flags.format !== "text") {
          throw new UsageError(
            "bench.invalid_format",
            `--format must be role-play-bench or text, not "${flags.format}".`,
          );
        }
        const store = await ctx.store();
        const run = await getRun(store, id);
        const dialogues = await loadRunDialogues(store, run.id, { includePartial: flags.includePartial === true });
        const out = resolve(flags.out);
        const result =
          flags.format === "text"
            ? writeTranscripts(dialogues, run.scenarios, out)
            : writeRoleplayBenchExport(dialogues, run.scenarios, out, { meta: flags.meta !== false });
        if (ctx.json) ctx.printJson({ run: run.id, format: flags.format, ...result });
        else {
          ctx.print(`exported ${result.dialogues} dialogue(s) of run ${run.id} to ${out}`);
          if (dialogues.length === 0)
            ctx.print("  (no finished sessions yet; --include-partial exports unfinished ones)");
        }
        return ExitCode.ok;
      }),
    );
}
