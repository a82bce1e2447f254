import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import {
  buildBenchReport,
  loadReferenceScores,
  loadScoredSource,
  renderHtmlReport,
  renderMarkdownReport,
  scoreCorrelation,
} from "../../bench/index.ts";
import { ExitCode, UsageError } from "../../core/index.ts";
import { action } from "../run-command.ts";
import { numberFlag } from "./bench-flags.ts";
import {
  addScoringFlags,
  intervalsFromFlags,
  listFlag,
  panelFromFlags,
  type ScoringFlags,
  scoringFromFlags,
} from "./bench-scoring-flags.ts";

interface ReportFlags extends ScoringFlags {
  out: string;
  judgement?: string[];
  models?: string;
  against?: string;
  halfWidth: number;
}

const HELP = `
Writes one self-contained HTML file (inline SVG charts, no network access, opens offline in any browser) plus a
JSON file with every number and a Markdown summary beside it (same name, .json and .md). The report shows: the
leaderboard with 95% hierarchical-bootstrap intervals (scenarios → runs → chunks), category and dimension bars,
per-language scores, the paired comparison of each model against the first one (difference, interval, p, minimum
detectable effect), a misalignment heatmap (session × chunk), the long-horizon curve (flags and reply length per 10
turns), every flag with click-through to its quoted turn, two models side by side on one scenario, judge agreement
per dimension, the variance split (scenario / run / judge) with the scenarios a ±1 interval needs, and cost.

Each source is a judged run id or official dialogues file; its newest judgement is used unless --judgement names
one (repeat it, in source order). --against adds calibration: Spearman and Kendall per dimension against official
evaluations or a human-label file with the same columns (a missing file exits 2).

Warnings (printed as "warning: …" lines, and in the report's Warnings section): a comparison resting on fewer than
10 paired scenarios; runs compared with different settings (turns per session, max tokens, user simulator); and a
model whose generated NPC turns the detectors flagged but the judge did not, on 10% or more of its turns (at least
3), since its score may be unreliable while detector flags are not scored (--detector-flags score scores them).

Examples:
  troupe bench report my-run --out report.html
  troupe bench report baseline-run candidate-run --out compare.html
  troupe bench report ./data/en/dialogues.jsonl --models gpt-5.1,grok-4.1 --against ./data/en/evaluations.jsonl
  troupe bench report my-run --panel union --weights basics=2,logic=1,knowledge=1 --out union.html`;

/** `troupe bench report <source…>`: HTML, JSON and Markdown reports of judged runs. */
export function registerBenchReport(bench: Command): void {
  const command = bench
    .command("report")
    .description("write a self-contained HTML report (plus JSON and Markdown) of judged runs")
    .argument("<sources...>", "judged run ids, or official dialogues files/folders")
    .option("-o, --out <file>", "HTML file to write (JSON and Markdown go beside it)", "bench-report.html")
    .option(
      "--judgement <id>",
      "use this judgement (repeat, in source order; default: the newest)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option("--models <names>", "only these model_name values")
    .option("--against <file>", "official evaluations or human labels to calibrate against")
    .option(
      "--half-width <points>",
      "target interval half-width for the scenarios-needed estimate",
      numberFlag(0, 100, true),
      1,
    );
  addScoringFlags(command)
    .addHelpText("after", HELP)
    .action(
      action(async (ctx, sources: string[], flags: ReportFlags) => {
        // Checked before any source is loaded, so a typo fails at once with the path named.
        if (flags.against && !existsSync(flags.against))
          throw new UsageError("bench.against_missing", `--against: the file ${flags.against} does not exist.`, {
            hint: "Give an official evaluations file (.jsonl or .parquet) or a human-label file in the same shape.",
          });
        const store = await ctx.store();
        const scoring = scoringFromFlags(flags);
        const panel = panelFromFlags(flags);
        const scored = [];
        for (const [i, spec] of sources.entries())
          scored.push(
            await loadScoredSource(store, spec, {
              judgementId: flags.judgement?.[i],
              scoring,
              panel,
              filter: { models: listFlag(flags.models) },
            }),
          );
        const report = buildBenchReport(scored, {
          scoring,
          panel,
          intervals: intervalsFromFlags(flags),
          targetHalfWidth: flags.halfWidth,
        });
        if (flags.against) {
          const reference = await loadReferenceScores(flags.against, { skipInvalid: true });
          report.calibration = {
            reference: flags.against,
            dimensions: scoreCorrelation(
              scored.flatMap((s) => s.sessions),
              reference.sessions,
            ),
          };
        }
        const html = resolve(flags.out);
        const base = html.replace(/\.html?$/i, "");
        mkdirSync(dirname(html), { recursive: true });
        writeFileSync(html, renderHtmlReport(report));
        writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
        writeFileSync(`${base}.md`, renderMarkdownReport(report));
        if (ctx.json)
          ctx.printJson({
            html,
            json: `${base}.json`,
            markdown: `${base}.md`,
            entries: report.entries.length,
            sessions: report.sessions.length,
            warnings: report.warnings,
          });
        else {
          for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
          ctx.print(`wrote ${html}`);
          ctx.print(`      ${base}.json`);
          ctx.print(`      ${base}.md`);
        }
        return ExitCode.ok;
      }),
    );
}
