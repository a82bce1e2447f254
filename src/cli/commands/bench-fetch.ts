import { join } from "node:path";
import type { Command } from "commander";
import { fetchOfficialFile, type OfficialTable, ROLE_PLAY_BENCH } from "../../bench/index.ts";
import { ExitCode, UsageError } from "../../core/index.ts";
import { Progress } from "../progress.ts";
import { action } from "../run-command.ts";

const TABLES: readonly OfficialTable[] = ["seeds", "dialogues", "evaluations"];

interface FetchFlags {
  lang: string;
  tables: string;
  format: string;
  revision?: string;
}

/** `troupe bench fetch`: download the official role-play-bench files into the cache and print where they are. */
export function registerBenchFetch(bench: Command): void {
  bench
    .command("fetch")
    .description("download the official role-play-bench files (seeds, dialogues, evaluations) into the cache")
    .option("--lang <lang>", "en, zh or all", "all")
    .option("--tables <list>", "seeds,dialogues,evaluations (comma-separated)", "seeds,dialogues,evaluations")
    .option("--format <format>", "jsonl or parquet", "jsonl")
    .option("--revision <sha>", `dataset revision (default the pinned ${ROLE_PLAY_BENCH.revision.slice(0, 7)})`)
    .addHelpText(
      "after",
      `
Files go to <home>/cache/role-play-bench/<revision>/<lang>/ and are downloaded once; a partial download is never
kept. HF_ENDPOINT selects a Hugging Face mirror. The dialogues are about 170 MB of JSONL in all.
License: ${ROLE_PLAY_BENCH.license}.

Examples:
  troupe bench fetch --lang en --tables seeds
  troupe bench fetch --format parquet
  troupe bench run --suite role-play-bench:en …     # fetches the seeds by itself`,
    )
    .action(
      action(async (ctx, flags: FetchFlags) => {
        const langs =
          flags.lang === "all"
            ? (["en", "zh"] as const)
            : flags.lang === "en" || flags.lang === "zh"
              ? ([flags.lang] as const)
              : undefined;
        if (!langs) throw new UsageError("bench.invalid_lang", `--lang must be en, zh or all, not "${flags.lang}".`);
        if (flags.format !== "jsonl" && flags.format !== "parquet")
          throw new UsageError("bench.invalid_format", `--format must be jsonl or parquet.`);
        const tables = flags.tables.split(",").map((t) => t.trim()) as OfficialTable[];
        const unknown = tables.filter((t) => !TABLES.includes(t));
        if (unknown.length > 0)
          throw new UsageError("bench.invalid_table", `Unknown table ${unknown.join(", ")}; use ${TABLES.join(", ")}.`);
        const cacheDir = join(ctx.config.home, "cache", "role-play-bench");
        const files: Array<{ lang: string; table: string; path: string }> = [];
        for (const lang of langs) {
          for (const table of tables) {
            const bar = new Progress({ label: `${lang}/${table}.${flags.format}`, unit: "B" });
            let downloading = false;
            const path = await fetchOfficialFile({
              lang,
              table,
              format: flags.format,
              cacheDir,
              ...(flags.revision ? { revision: flags.revision } : {}),
              onProgress: (done, total) => {
                downloading = true;
                bar.update({ done, ...(total ? { total } : {}) });
              },
            });
            if (downloading) bar.done();
            files.push({ lang, table, path });
            if (!ctx.json) ctx.print(path);
          }
        }
        if (ctx.json) ctx.printJson({ files, license: ROLE_PLAY_BENCH.license });
        return ExitCode.ok;
      }),
    );
}
