import type { Command } from "commander";
import {
  DEFAULT_JUDGE_SETTINGS,
  flawInjectionSet,
  INJECTABLE_SUBTYPES,
  loadReferenceScores,
  loadScoredSource,
  RULE_DETECTABLE_SUBTYPES,
  runDetectors,
  runJudgeRecall,
  scoreCorrelation,
  scoreDetections,
  simulatorSensitivity,
} from "../../bench/index.ts";
import { ExitCode, UsageError } from "../../core/index.ts";
import { UsageMeter } from "../../llm/index.ts";
import { Progress } from "../progress.ts";
import { action } from "../run-command.ts";
import { intFlag } from "./bench-flags.ts";
import { resolveJudges } from "./bench-judge.ts";
import {
  addScoringFlags,
  listFlag,
  panelFromFlags,
  type ScoringFlags,
  scoringFromFlags,
} from "./bench-scoring-flags.ts";

function fmt(v: number | undefined, digits = 3): string {
  return v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits);
}

function langsFlag(value: string): ("en" | "zh")[] {
  const langs = listFlag(value) ?? [];
  for (const l of langs)
    if (l !== "en" && l !== "zh") throw new UsageError("bench.invalid_flag", `--langs: "${l}" is not en or zh.`);
  return langs as ("en" | "zh")[];
}

/** `troupe bench calibrate …`: how far to trust the judge, the detectors and the simulator. */
export function registerBenchCalibrate(bench: Command): void {
  const calibrate = bench
    .command("calibrate")
    .description(
      "check the measuring instruments: judge vs reference scores, judge and detector recall, simulator sensitivity",
    )
    .exitOverride();

  addScoringFlags(
    calibrate
      .command("scores")
      .description("Spearman and Kendall per dimension between our scores and official evaluations or human labels")
      .argument("<sources...>", "judged runs or official dialogues files")
      .requiredOption(
        "--against <file>",
        "evaluations .jsonl/.parquet (seed_id, model_name, run_id, basics_score … interaction_score) or human labels in the same shape",
      )
      .option("--models <names>", "only these model_name values"),
  )
    .addHelpText(
      "after",
      `
Human-label files use the official evaluations columns; any dimension may be missing, and rows with an annotator
column are averaged per session. Correlations are reported per session and between model means.

Examples:
  troupe bench calibrate scores ./data/en/dialogues.jsonl --against ./data/en/evaluations.jsonl --models gpt-5.1,grok-4.1
  troupe bench calibrate scores my-run --against my-human-labels.jsonl`,
    )
    .action(
      action(async (ctx, sources: string[], flags: ScoringFlags & { against: string; models?: string }) => {
        const store = await ctx.store();
        const scoring = scoringFromFlags(flags);
        const panel = panelFromFlags(flags);
        const ours = [];
        for (const spec of sources)
          ours.push(
            ...(await loadScoredSource(store, spec, { scoring, panel, filter: { models: listFlag(flags.models) } }))
              .sessions,
          );
        const reference = await loadReferenceScores(flags.against, { skipInvalid: true });
        const result = scoreCorrelation(ours, reference.sessions);
        if (ctx.json)
          ctx.printJson({ reference: flags.against, skippedRows: reference.issues.length, dimensions: result });
        else {
          ctx.print(
            `calibration against ${flags.against} (${reference.sessions.length} reference sessions, ${reference.issues.length} invalid rows skipped)`,
          );
          ctx.print("dimension       session ρ  session τ     n   model ρ  model τ  models");
          for (const d of result)
            ctx.print(
              `${d.dimension.padEnd(14)} ${fmt(d.session.spearman).padStart(9)}  ${fmt(d.session.kendall).padStart(9)} ${String(d.session.n).padStart(5)}  ${fmt(d.model.spearman).padStart(8)}  ${fmt(d.model.kendall).padStart(7)}  ${String(d.model.n).padStart(6)}`,
            );
        }
        return ExitCode.ok;
      }),
    );

  calibrate
    .command("detectors")
    .description("precision and recall of the rule-based detectors on the flaw-injection set")
    .option("--per-subtype <n>", "injected sessions per language and subtype", intFlag(1, 1000), 20)
    .option("--clean <n>", "clean sessions per language", intFlag(0, 1000), 20)
    .option("--seed <seed>", "flaw-injection seed", "flaw-injection-v1")
    .addHelpText(
      "after",
      `
Builds clean synthetic 100-turn sessions (en and zh), injects known flaws at known rounds (garbled text, mixed
language, repetition, leaked tokens, truncation, loops, stock phrases, length drift, AI self-disclosure, speaking for
the user, silence, refusals), runs every detector and prints precision and recall per subtype. A flag counts when it
has the injected subtype at the injected round (length drift: within 4 rounds); every other flag is a false
positive, including those on clean sessions.

Example:
  troupe bench calibrate detectors --per-subtype 40 --clean 20`,
    )
    .action(
      action(async (ctx, flags: { perSubtype: number; clean: number; seed: string }) => {
        const set = flawInjectionSet({ seed: flags.seed, perSubtype: flags.perSubtype, clean: flags.clean });
        const started = performance.now();
        const flagsOf = new Map(set.map((s) => [s, runDetectors(s)]));
        const ms = performance.now() - started;
        const scores = scoreDetections(set, (s) => flagsOf.get(s)!);
        const turns = set.reduce((n, s) => n + s.turns.length, 0);
        const failing = scores.filter(
          (s) =>
            (RULE_DETECTABLE_SUBTYPES as readonly string[]).includes(s.subtype) &&
            !(s.precision >= 0.95 && s.recall >= 0.95),
        );
        if (ctx.json)
          ctx.printJson({
            seed: flags.seed,
            sessions: set.length,
            turns,
            scores,
            failing: failing.map((f) => f.subtype),
          });
        else {
          ctx.print(
            `flaw-injection set ${flags.seed}: ${set.length} sessions, ${turns} turns, detectors ran in ${ms.toFixed(0)} ms`,
          );
          ctx.print("subtype                   injected  flagged   TP   FP   FN  precision  recall");
          for (const s of scores)
            ctx.print(
              `${s.subtype.padEnd(24)} ${String(s.injected).padStart(9)} ${String(s.flagged).padStart(8)} ${String(s.truePositives).padStart(4)} ${String(s.falsePositives).padStart(4)} ${String(s.falseNegatives).padStart(4)}  ${fmt(s.precision).padStart(9)}  ${fmt(s.recall).padStart(6)}`,
            );
          ctx.print(
            failing.length
              ? `below 0.95: ${failing.map((f) => f.subtype).join(", ")}`
              : "every rule-detectable subtype ≥ 0.95 precision and recall",
          );
        }
        return failing.length ? ExitCode.failure : ExitCode.ok;
      }),
    );

  addScoringFlags(
    calibrate
      .command("judge")
      .description("judge recall on the flaw-injection set, per subtype and per chunk position")
      .option("-j, --judge <spec>", "judge model (repeat for a panel)", (v: string, prev: string[] = []) => [
        ...prev,
        v,
      ])
      .option(
        "--per-subtype <n>",
        "injected sessions per language and subtype (each holds up to two flaws)",
        intFlag(1, 100),
        2,
      )
      .option("--langs <list>", "languages", "en,zh")
      .option("--subtypes <list>", `injected subtypes (default all: ${INJECTABLE_SUBTYPES.join(", ")})`)
      .option("--rubric <detail>", "full or compact", "full")
      .option("--flaw-seed <seed>", "flaw-injection seed", "flaw-injection-v1")
      .option("-c, --concurrency <n>", "sessions judged at once", intFlag(1, 1024), 4)
      .option("--cassette <file>", "record/replay judge calls")
      .option("--cassette-mode <mode>", "record | replay | auto", "auto")
      .option("--no-cache", "no effect: judge calls never use the response cache (judged chunks are the cache)"),
  )
    .addHelpText(
      "after",
      `
Judges the flaw-injection set (synthetic 100-turn sessions with known flaws at known rounds) and reports the share
of flaws the panel's standing flags find — a flag of the flaw's dimension at its round — per subtype and per chunk
position. Stored like any judgement: rerunning is free.

Example:
  troupe bench calibrate judge --judge openai:gpt-4.1-mini --per-subtype 3 --langs en`,
    )
    .action(
      action(
        async (
          ctx,
          flags: ScoringFlags & {
            judge?: string[];
            perSubtype: number;
            langs: string;
            subtypes?: string;
            rubric: string;
            flawSeed: string;
            concurrency: number;
            cassette?: string;
            cassetteMode?: string;
            cache?: boolean;
          },
        ) => {
          if (flags.rubric !== "full" && flags.rubric !== "compact")
            throw new UsageError("bench.invalid_flag", `--rubric must be full or compact, not "${flags.rubric}".`);
          const subtypes = listFlag(flags.subtypes);
          for (const s of subtypes ?? [])
            if (!(INJECTABLE_SUBTYPES as readonly string[]).includes(s))
              throw new UsageError("bench.invalid_flag", `--subtypes: "${s}" cannot be injected.`, {
                hint: `Injectable: ${INJECTABLE_SUBTYPES.join(", ")}.`,
              });
          const langs = langsFlag(flags.langs);
          const meter = new UsageMeter();
          const judges = await resolveJudges(ctx, flags.judge, flags, meter);
          const store = await ctx.store();
          const progress = new Progress({ label: "judging the flaw-injection set", unit: "chunks" });
          let done = 0;
          const result = await runJudgeRecall({
            store,
            judges,
            settings: { ...DEFAULT_JUDGE_SETTINGS, prompt: { ...DEFAULT_JUDGE_SETTINGS.prompt, rubric: flags.rubric } },
            panel: panelFromFlags(flags),
            scoring: scoringFromFlags(flags),
            perSubtype: flags.perSubtype,
            langs,
            ...(subtypes ? { subtypes: subtypes as (typeof INJECTABLE_SUBTYPES)[number][] } : {}),
            seed: flags.flawSeed,
            concurrency: flags.concurrency,
            onChunk: () => {
              const snap = meter.snapshot();
              progress.update({
                done: ++done,
                tokens: snap.promptTokens + snap.completionTokens,
                costUsd: snap.costUsd,
              });
            },
          });
          progress.done();
          if (ctx.json) ctx.printJson(result);
          else {
            ctx.print(`judgement ${result.judgementId}: ${result.sessions} sessions`);
            ctx.print("subtype                   injected  found  recall");
            for (const r of result.recall.bySubtype)
              ctx.print(
                `${r.subtype.padEnd(24)} ${String(r.injected).padStart(9)} ${String(r.found).padStart(6)}  ${fmt(r.recall, 2)}`,
              );
            ctx.print("chunk  injected  found  recall");
            for (const r of result.recall.byChunk)
              ctx.print(
                `C${String(r.chunk + 1).padEnd(5)} ${String(r.injected).padStart(8)} ${String(r.found).padStart(6)}  ${fmt(r.recall, 2)}`,
              );
          }
          return ExitCode.ok;
        },
      ),
    );

  addScoringFlags(
    calibrate
      .command("simulator")
      .description("rank correlation of model rankings under two user-simulator models")
      .requiredOption("--a <sources>", "judged runs (comma-separated) made with the first simulator")
      .requiredOption("--b <sources>", "judged runs (comma-separated) of the same models with the second simulator"),
  )
    .addHelpText(
      "after",
      `
Run the same models on the same suite twice, once per user-simulator model (--user-model), judge all runs with the
same judge, then compare the model rankings. Kendall τ near 1 means the simulator choice does not move the board.

Example:
  troupe bench calibrate simulator --a run-m1-simA,run-m2-simA,run-m3-simA --b run-m1-simB,run-m2-simB,run-m3-simB`,
    )
    .action(
      action(async (ctx, flags: ScoringFlags & { a: string; b: string }) => {
        const store = await ctx.store();
        const scoring = scoringFromFlags(flags);
        const panel = panelFromFlags(flags);
        const load = async (list: string) => {
          const out = [];
          for (const spec of listFlag(list) ?? [])
            out.push(...(await loadScoredSource(store, spec, { scoring, panel })).sessions);
          return out;
        };
        const result = simulatorSensitivity(await load(flags.a), await load(flags.b), scoring);
        if (ctx.json) ctx.printJson(result);
        else {
          ctx.print("model                          Overall A  rank  Overall B  rank");
          for (const m of result.models)
            ctx.print(
              `${m.model.padEnd(30).slice(0, 30)} ${m.a.toFixed(1).padStart(9)}  ${String(m.rankA).padStart(4)}  ${m.b.toFixed(1).padStart(9)}  ${String(m.rankB).padStart(4)}`,
            );
          ctx.print(
            `Spearman ${fmt(result.spearman)}  Kendall ${fmt(result.kendall)} over ${result.models.length} model(s)`,
          );
        }
        return ExitCode.ok;
      }),
    );
}
