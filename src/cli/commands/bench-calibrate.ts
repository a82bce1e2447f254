import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import {
  assertBudgetPriced,
  DEFAULT_JUDGE_SETTINGS,
  fitCategoryWeights,
  flawInjectionSet,
  INJECTABLE_SUBTYPES,
  JUDGE_FLAW_KINDS,
  type JudgeCalibrationResult,
  type JudgeFlawKind,
  type LedgerMode,
  loadReferenceScores,
  loadScoredSource,
  modelDimensionMeans,
  ROLE_PLAY_BENCH_LEADERBOARD,
  RULE_DETECTABLE_SUBTYPES,
  runDetectors,
  runJudgeCalibration,
  runJudgeRecall,
  scoreCorrelation,
  scoreDetections,
  simulatorSensitivity,
  type WeightFit,
} from "../../bench/index.ts";
import { ExitCode, UsageError } from "../../core/index.ts";
import { UsageMeter } from "../../llm/index.ts";
import { Progress } from "../progress.ts";
import { action } from "../run-command.ts";
import { intFlag, numberFlag } from "./bench-flags.ts";
import { resolveJudges } from "./bench-judge.ts";
import { judgePriceOf } from "./bench-models.ts";
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

/** A recall cell as `0.83 [0.55, 0.95] 5/6`. */
function recallText(
  c:
    | { injected: number; found: number; recall: number; interval?: { lower: number; upper: number } | undefined }
    | undefined,
): string {
  if (!c) return "–";
  return `${fmt(c.recall, 2)} [${fmt(c.interval?.lower, 2)}, ${fmt(c.interval?.upper, 2)}] ${c.found}/${c.injected}`;
}

/** The judge calibration as a text table: one column per ledger condition. */
export function renderJudgeCalibration(result: JudgeCalibrationResult): string[] {
  const cols = result.conditions;
  const head = (label: string) => `${label.padEnd(28)}${cols.map((c) => `ledger ${c.ledger}`.padEnd(26)).join("")}`;
  const row = (label: string, cell: (c: (typeof cols)[number]) => string) =>
    `${label.padEnd(28)}${cols.map((c) => cell(c).padEnd(26)).join("")}`;
  const out = [
    `judge calibration: ${result.judges.join(", ")}; ${result.sessions} sessions (${result.cleanSessions} clean); ${cols.map((c) => `${c.judgementId} (ledger ${c.ledger})`).join(", ")}`,
    head("recall by kind"),
  ];
  for (const k of cols[0]?.recall.byKind ?? [])
    out.push(row(k.kind, (c) => recallText(c.recall.byKind.find((x) => x.kind === k.kind))));
  if (cols[0]?.recall.byDistance.length) {
    out.push(head("contradiction distance"));
    for (const d of cols[0].recall.byDistance)
      out.push(
        row(`${d.distance} turns`, (c) => recallText(c.recall.byDistance.find((x) => x.distance === d.distance))),
      );
  }
  out.push(head("recall by chunk"));
  for (const k of cols[0]?.recall.byChunk ?? [])
    out.push(row(`C${k.chunk + 1}`, (c) => recallText(c.recall.byChunk.find((x) => x.chunk === k.chunk))));
  out.push(row("all flaws", (c) => recallText(c.recall.overall)));
  out.push(
    row("false flags / clean chunk", (c) => {
      const f = c.recall.falseFlags;
      return `${fmt(f.perChunk, 2)} [${fmt(f.interval?.lower, 2)}, ${fmt(f.interval?.upper, 2)}] ${f.flags}/${f.cleanChunks}`;
    }),
  );
  const worth = result.ledgerWorth;
  if (worth) {
    const w = (x: typeof worth.all) =>
      x
        ? `${x.difference.estimate >= 0 ? "+" : ""}${fmt(x.difference.estimate, 2)} [${fmt(x.difference.lower, 2)}, ${fmt(x.difference.upper, 2)}] over ${x.flaws} flaws`
        : "–";
    out.push(`ledger worth (recall on − off): contradictions ${w(worth.factContradiction)}; all flaws ${w(worth.all)}`);
  }
  return out;
}

/** The weight fit as text: weights and rescale per category, then published vs fitted Overall per model. */
export function renderWeightFit(fit: WeightFit): string[] {
  const out = ["category          weights                                        rescale            RMSE"];
  for (const c of fit.categories)
    out.push(
      `${c.category.padEnd(17)} ${Object.entries(c.weights)
        .map(([d, w]) => `${d}=${(w as number).toFixed(2)}`)
        .join(" ")
        .padEnd(46)} ${`${c.intercept.toFixed(1)} + ${c.slope.toFixed(3)}·x`.padEnd(18)} ${c.rmse.toFixed(2)}`,
    );
  out.push("model                          published  fitted  weights only");
  for (const r of fit.rows)
    out.push(
      `${r.model.padEnd(30).slice(0, 30)} ${r.published.toFixed(2).padStart(9)}  ${r.fitted.toFixed(2).padStart(6)}  ${r.weightsOnly.toFixed(2).padStart(12)}`,
    );
  out.push(
    `fitted Overall vs published: Spearman ${fmt(fit.fitted.spearman)}, Kendall ${fmt(fit.fitted.kendall)}, RMSE ${fit.fitted.rmse.toFixed(2)}, max error ${fit.fitted.maxError.toFixed(2)}`,
  );
  out.push(
    `weights alone (no rescale): Spearman ${fmt(fit.weightsOnly.spearman)}, Kendall ${fmt(fit.weightsOnly.kendall)}; equal weights with rescale: Spearman ${fmt(fit.equalWeights.spearman)}, Kendall ${fmt(fit.equalWeights.kendall)}, RMSE ${fit.equalWeights.rmse.toFixed(2)}`,
  );
  return out;
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
      .description(
        "Spearman and Kendall per dimension between our scores and official evaluations or human labels; --fit-weights fits the within-category weights to the published leaderboard",
      )
      .argument("[sources...]", "judged runs or official dialogues files (optional with --fit-weights)")
      .requiredOption(
        "--against <file>",
        "evaluations .jsonl/.parquet (seed_id, model_name, run_id, basics_score … interaction_score) or human labels in the same shape",
      )
      .option("--models <names>", "only these model_name values")
      .option(
        "--fit-weights",
        "fit the within-category dimension weights so the categories reproduce the published leaderboard",
      )
      .option("--step <x>", "--fit-weights: grid step of the weight search", numberFlag(0.001, 0.5), 0.01)
      .option("--out <file>", "--fit-weights: write the fitted weights as a scoring config (use with --scoring)"),
  )
    .addHelpText(
      "after",
      `
Human-label files use the official evaluations columns; any dimension may be missing, and rows with an annotator
column are averaged per session. Correlations are reported per session and between model means.

--fit-weights takes per-model dimension means — from the --against evaluations, or from our own scores of the
given sources — and searches the weights inside each category (Worlds: basics, logic, knowledge; Stories:
diversity, content logic) that, after a least-squares rescale per category (the leaderboard's undisclosed
normalisation), best reproduce the published category scores of the 11 leaderboard models. It reports the weights,
the rescale, and how well the fitted Overall reproduces the published ranking (Spearman, Kendall, RMSE), beside
equal weights. --out writes the weights as a scoring config, selectable with --scoring. Method: docs/methodology.md.

Examples:
  troupe bench calibrate scores ./data/en/dialogues.jsonl --against ./data/en/evaluations.jsonl --models gpt-5.1,grok-4.1
  troupe bench calibrate scores my-run --against my-human-labels.jsonl
  troupe bench calibrate scores --fit-weights --against ./data/en/evaluations.jsonl --out fitted-weights.yaml`,
    )
    .action(
      action(
        async (
          ctx,
          sources: string[],
          flags: ScoringFlags & { against: string; models?: string; fitWeights?: boolean; step: number; out?: string },
        ) => {
          const scoring = scoringFromFlags(flags);
          const panel = panelFromFlags(flags);
          if (!flags.fitWeights && sources.length === 0)
            throw new UsageError("bench.invalid_flag", "Give the judged runs or dialogues files to compare.", {
              hint: "troupe bench calibrate scores <run|dialogues…> --against <evaluations>, or --fit-weights.",
            });
          const ours = [];
          if (sources.length > 0) {
            const store = await ctx.store();
            for (const spec of sources)
              ours.push(
                ...(await loadScoredSource(store, spec, { scoring, panel, filter: { models: listFlag(flags.models) } }))
                  .sessions,
              );
          }
          const reference = await loadReferenceScores(flags.against, { skipInvalid: true });
          if (flags.fitWeights) {
            const models = listFlag(flags.models);
            const keep = <T extends { modelName: string }>(list: T[]) =>
              models ? list.filter((x) => models.includes(x.modelName)) : list;
            const means =
              sources.length > 0
                ? modelDimensionMeans(
                    keep(ours).flatMap((s) => (s.card ? [{ modelName: s.modelName, scores: s.card.dimensions }] : [])),
                  )
                : modelDimensionMeans(keep(reference.sessions));
            const fit = fitCategoryWeights(means, ROLE_PLAY_BENCH_LEADERBOARD, { step: flags.step });
            if (flags.out)
              writeFileSync(
                flags.out,
                `# Within-category weights fitted to the Role-play Benchmark leaderboard by \`troupe bench calibrate scores --fit-weights\`
# (${sources.length > 0 ? `our scores of ${sources.join(", ")}` : flags.against}; ${fit.models.length} models; step ${flags.step}).
# Fitted Overall vs published: Spearman ${fit.fitted.spearman.toFixed(3)}, Kendall ${fit.fitted.kendall.toFixed(3)}, RMSE ${fit.fitted.rmse.toFixed(2)} points (with the per-category rescale, which troupe's scoring does not apply).
# Use with: troupe bench report <run> --scoring ${flags.out}
dimensionWeights:
${Object.entries(fit.dimensionWeights)
  .map(([d, w]) => `  ${d}: ${w}`)
  .join("\n")}
`,
              );
            if (ctx.json)
              ctx.printJson({ against: flags.against, sources, ...fit, ...(flags.out ? { out: flags.out } : {}) });
            else for (const line of renderWeightFit(fit)) ctx.print(line);
            return ExitCode.ok;
          }
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
        },
      ),
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
      .description(
        "judge recall on injected flaws only a judge can see (per kind, per fact distance, per chunk), false flags per clean chunk, with and without the canon ledger",
      )
      .option("-j, --judge <spec>", "judge model (repeat for a panel)", (v: string, prev: string[] = []) => [
        ...prev,
        v,
      ])
      .option("--set <set>", "judge: judge-level flaws (default); rules: the detectors' flaw-injection set", "judge")
      .option(
        "--per-kind <n>",
        "judge set: sessions per language and flaw kind (fact contradictions: per distance 20, 50, 80)",
        intFlag(1, 200),
        4,
      )
      .option("--clean <n>", "judge set: clean sessions per language (for false flags)", intFlag(0, 200), 4)
      .option("--kinds <list>", `judge set: flaw kinds (default all: ${JUDGE_FLAW_KINDS.join(", ")})`)
      .option("--ledger <mode>", "judge set: on, off or both (both: the difference is the ledger's worth)", "both")
      .option(
        "--per-subtype <n>",
        "rules set: injected sessions per language and subtype (each holds up to two flaws)",
        intFlag(1, 100),
        2,
      )
      .option("--subtypes <list>", `rules set: injected subtypes (default all: ${INJECTABLE_SUBTYPES.join(", ")})`)
      .option("--langs <list>", "languages", "en,zh")
      .option("--rubric <detail>", "full or compact", "full")
      .option("--flaw-seed <seed>", "flaw-injection seed (default judge-flaws-v1, or flaw-injection-v1 for rules)")
      .option("-c, --concurrency <n>", "sessions judged at once", intFlag(1, 1024), 4)
      .option("--cassette <file>", "record/replay judge calls")
      .option("--cassette-mode <mode>", "record | replay | auto", "auto")
      .option("--no-cache", "no effect: judge calls never use the response cache (judged chunks are the cache)")
      .option(
        "--budget-usd <usd>",
        "judge set: hard spending limit per ledger condition, in US dollars",
        numberFlag(0, Number.POSITIVE_INFINITY, true),
      )
      .option("--budget-tokens <n>", "judge set: hard limit of judge tokens per ledger condition", intFlag(1)),
  )
    .addHelpText(
      "after",
      `
The judge set (default) is synthetic 100-turn sessions (en and zh), each with one flaw only a judge can see, at a
recorded place: a fact contradicted 20, 50 or 80 turns after it was set, a broken world rule (the rule is in the
card), knowledge the character cannot have (a secret the user kept), drift out of character over three replies,
rushed pacing, a plain factual error, immersion eroding over five replies, and a group scene where one
character voices another's secret (the cast is shown to the judge); plus clean sessions. A flaw counts as
found when a standing flag of a dimension its kind accepts cites a round inside it. Reported: recall per kind, per
fact distance and per chunk position with 95% Wilson intervals; false flags per clean chunk with a bootstrap
interval; with --ledger both, the same without the canon ledger and the ledger's worth (paired difference in
recall). Each condition is stored like any judgement: rerunning resumes and is free once complete. The method and
the measured judges are in docs/judges.md.

The rules set (--set rules) judges the detectors' flaw-injection set instead (turn-local flaws).

Examples:
  troupe bench calibrate judge --judge openai:gpt-4.1-mini --per-kind 4 --langs en
  troupe bench calibrate judge --judge openai:gpt-4.1-mini --kinds fact_contradiction --ledger both --per-kind 10`,
    )
    .action(
      action(
        async (
          ctx,
          flags: ScoringFlags & {
            judge?: string[];
            set: string;
            perKind: number;
            clean: number;
            kinds?: string;
            ledger: string;
            perSubtype: number;
            langs: string;
            subtypes?: string;
            rubric: string;
            flawSeed?: string;
            concurrency: number;
            cassette?: string;
            cassetteMode?: string;
            cache?: boolean;
            budgetUsd?: number;
            budgetTokens?: number;
          },
        ) => {
          if (flags.rubric !== "full" && flags.rubric !== "compact")
            throw new UsageError("bench.invalid_flag", `--rubric must be full or compact, not "${flags.rubric}".`);
          if (flags.set !== "judge" && flags.set !== "rules")
            throw new UsageError("bench.invalid_flag", `--set must be judge or rules, not "${flags.set}".`);
          const ledger = { on: ["on"], off: ["off"], both: ["on", "off"] }[flags.ledger] as LedgerMode[] | undefined;
          if (!ledger)
            throw new UsageError("bench.invalid_flag", `--ledger must be on, off or both, not "${flags.ledger}".`);
          const kinds = listFlag(flags.kinds);
          for (const k of kinds ?? [])
            if (!(JUDGE_FLAW_KINDS as readonly string[]).includes(k))
              throw new UsageError("bench.invalid_flag", `--kinds: "${k}" is not a judge-level flaw kind.`, {
                hint: `Kinds: ${JUDGE_FLAW_KINDS.join(", ")}.`,
              });
          const subtypes = listFlag(flags.subtypes);
          for (const s of subtypes ?? [])
            if (!(INJECTABLE_SUBTYPES as readonly string[]).includes(s))
              throw new UsageError("bench.invalid_flag", `--subtypes: "${s}" cannot be injected.`, {
                hint: `Injectable: ${INJECTABLE_SUBTYPES.join(", ")}.`,
              });
          const langs = langsFlag(flags.langs);
          const meter = new UsageMeter();
          const judges = await resolveJudges(ctx, flags.judge, flags, meter);
          assertBudgetPriced(
            flags.budgetUsd,
            judges.map((j) => j.id),
            judgePriceOf(ctx.config, flags.judge?.length ? flags.judge : ["judge"]),
          );
          const store = await ctx.store();
          const progress = new Progress({ label: "judging the flaw-injection set", unit: "chunks" });
          let done = 0;
          const onChunk = () => {
            const snap = meter.snapshot();
            progress.update({
              done: ++done,
              tokens: snap.promptTokens + snap.completionTokens,
              costUsd: snap.costUsd,
            });
          };
          const settings = {
            ...DEFAULT_JUDGE_SETTINGS,
            prompt: { ...DEFAULT_JUDGE_SETTINGS.prompt, rubric: flags.rubric as "full" | "compact" },
          };
          if (flags.set === "rules") {
            const result = await runJudgeRecall({
              store,
              judges,
              settings,
              panel: panelFromFlags(flags),
              scoring: scoringFromFlags(flags),
              perSubtype: flags.perSubtype,
              langs,
              ...(subtypes ? { subtypes: subtypes as (typeof INJECTABLE_SUBTYPES)[number][] } : {}),
              seed: flags.flawSeed ?? "flaw-injection-v1",
              concurrency: flags.concurrency,
              onChunk,
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
          }
          const result = await runJudgeCalibration({
            store,
            judges,
            settings,
            panel: panelFromFlags(flags),
            scoring: scoringFromFlags(flags),
            perKind: flags.perKind,
            clean: flags.clean,
            langs,
            ...(kinds ? { kinds: kinds as JudgeFlawKind[] } : {}),
            seed: flags.flawSeed ?? "judge-flaws-v1",
            ledger,
            concurrency: flags.concurrency,
            onChunk,
            ...(flags.budgetUsd !== undefined || flags.budgetTokens !== undefined
              ? {
                  budget: {
                    ...(flags.budgetUsd === undefined ? {} : { usd: flags.budgetUsd }),
                    ...(flags.budgetTokens === undefined ? {} : { tokens: flags.budgetTokens }),
                    priceOf: judgePriceOf(ctx.config, flags.judge?.length ? flags.judge : ["judge"]),
                    hint: "Every judged chunk is saved. Rerun the same calibration with a larger --budget-usd or --budget-tokens to continue.",
                  },
                }
              : {}),
          });
          progress.done();
          if (ctx.json) ctx.printJson({ ...result, conditions: result.conditions.map(({ found: _f, ...c }) => c) });
          else for (const line of renderJudgeCalibration(result)) ctx.print(line);
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
