import type { Command } from "commander";
import {
  comparedSettings,
  comparisonWarnings,
  DEFAULT_GATE,
  gateVerdict,
  loadScoredSource,
  METRICS,
  type Metric,
  metricLabel,
  SMALL_SAMPLE_SCENARIOS,
} from "../../bench/index.ts";
import { ExitCode, UsageError } from "../../core/index.ts";
import { action } from "../run-command.ts";
import { intFlag, numberFlag } from "./bench-flags.ts";
import {
  addScoringFlags,
  intervalsFromFlags,
  listFlag,
  panelFromFlags,
  type ScoringFlags,
  scoringFromFlags,
} from "./bench-scoring-flags.ts";

interface GateFlags extends ScoringFlags {
  baseline: string;
  candidate: string;
  margin: number;
  metrics?: string;
  baselineJudgement?: string;
  candidateJudgement?: string;
  models?: string;
  minScenarios: number;
}

const HELP = `
A CI quality gate. Pairs the candidate with the baseline on the scenarios both were judged on and, for each checked
metric, computes the 95% interval of candidate − baseline by a paired bootstrap over scenarios (the same scenarios
drawn for both; each scenario's runs and chunks stay together, so run-to-run noise counts once, through the spread
of the per-scenario differences). The gate passes when every lower bound is above −margin: "not
worse by more than the margin, with confidence". A noisy point estimate alone can neither pass nor fail it.

Exit codes (for CI):
  0   passed: every checked metric's lower bound > −margin
  10  failed: at least one lower bound ≤ −margin (the verdict table says which)
  2   bad input: unknown run, no judgement, no scenario in common, fewer paired scenarios than
      --min-scenarios, bad flag
  1   unexpected failure

Warnings (on stderr, and under "warnings" with --json): a comparison resting on fewer than ${SMALL_SAMPLE_SCENARIOS} paired
scenarios, and runs made with different settings (turns per session, max tokens, user simulator).

Examples:
  troupe bench gate --baseline prod-run --candidate new-run
  troupe bench gate --baseline prod-run --candidate new-run --margin 0.5 --metrics overall,interaction
  troupe bench gate --baseline prod-run --candidate new-run --min-scenarios 20
  troupe bench gate --baseline prod-run --candidate new-run --json > verdict.json`;

/** `troupe bench gate`: pass or fail a candidate against a baseline on the paired lower bound. */
export function registerBenchGate(bench: Command): void {
  const command = bench
    .command("gate")
    .description("CI gate: exit 0 only if candidate − baseline has a 95% lower bound above −margin (else exit 10)")
    .requiredOption("--baseline <run>", "the judged baseline run (or dialogues file)")
    .requiredOption("--candidate <run>", "the judged candidate run (or dialogues file)")
    .option(
      "--margin <points>",
      "how much worse the candidate may be, in score points",
      numberFlag(0),
      DEFAULT_GATE.margin,
    )
    .option(
      "--metrics <list>",
      `metrics that must pass (default ${DEFAULT_GATE.metrics.join(",")}; any of ${METRICS.join(", ")})`,
    )
    .option("--baseline-judgement <id>", "judgement of the baseline to use (default: newest)")
    .option("--candidate-judgement <id>", "judgement of the candidate to use (default: newest)")
    .option("--models <names>", "only these model_name values (for dialogues files holding several)")
    .option(
      "--min-scenarios <n>",
      "fewest paired scenarios to decide on; fewer exits 2 (default 1: warn only)",
      intFlag(1, 1_000_000),
      1,
    );
  addScoringFlags(command)
    .addHelpText("after", HELP)
    .action(
      action(async (ctx, flags: GateFlags) => {
        const metrics = (listFlag(flags.metrics) ?? DEFAULT_GATE.metrics) as Metric[];
        for (const m of metrics)
          if (!(METRICS as readonly string[]).includes(m))
            throw new UsageError("bench.invalid_flag", `--metrics: unknown metric "${m}".`, {
              hint: `Metrics: ${METRICS.join(", ")}.`,
            });
        const store = await ctx.store();
        const scoring = scoringFromFlags(flags);
        const panel = panelFromFlags(flags);
        const filter = { models: listFlag(flags.models) };
        const baseline = await loadScoredSource(store, flags.baseline, {
          judgementId: flags.baselineJudgement,
          scoring,
          panel,
          filter,
        });
        const candidate = await loadScoredSource(store, flags.candidate, {
          judgementId: flags.candidateJudgement,
          scoring,
          panel,
          filter,
        });
        const verdict = gateVerdict(candidate.sessions, baseline.sessions, scoring, {
          margin: flags.margin,
          metrics,
          intervals: intervalsFromFlags(flags),
          minScenarios: flags.minScenarios,
        });
        const warnings = comparisonWarnings(
          { label: candidate.source.source, settings: comparedSettings(candidate.dialogues.values()) },
          { label: baseline.source.source, settings: comparedSettings(baseline.dialogues.values()) },
          verdict.pairedScenarios,
        );
        if (ctx.json)
          ctx.printJson({
            ...verdict,
            baseline: baseline.source.source,
            candidate: candidate.source.source,
            warnings,
          });
        else {
          for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
          ctx.print(
            `gate: ${candidate.source.source} vs baseline ${baseline.source.source}, ${verdict.pairedScenarios} paired scenario(s), margin ${verdict.margin}`,
          );
          ctx.print("metric              diff    95% interval          p       needs > threshold   verdict");
          for (const r of verdict.rows)
            ctx.print(
              `${metricLabel(r.metric).padEnd(18)} ${r.difference.toFixed(2).padStart(6)}  [${r.lower.toFixed(2)}, ${r.upper.toFixed(2)}]`.padEnd(
                48,
              ) +
                `${r.pValue.toFixed(3).padStart(6)}  lower > ${r.threshold.toFixed(2).padEnd(9)}  ${r.pass ? "PASS" : "FAIL"}`,
            );
          if (verdict.onlyBaseline.length || verdict.onlyCandidate.length)
            ctx.print(
              `not paired (left out): ${verdict.onlyBaseline.length} baseline-only, ${verdict.onlyCandidate.length} candidate-only scenario(s)`,
            );
          ctx.print(verdict.pass ? "PASSED" : "FAILED");
        }
        return verdict.pass ? ExitCode.ok : ExitCode.gateFailed;
      }),
    );
}
