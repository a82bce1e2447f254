import type { Command } from "commander";
import {
  assertBudgetPriced,
  BudgetExhaustedError,
  DEFAULT_JUDGE_SETTINGS,
  type JudgeSettings,
  judgeAgreement,
  listJudgements,
  loadDialogueSource,
  runJudgement,
  type ScoreInterval,
  scoreJudgement,
  toJudgeableSessions,
} from "../../bench/index.ts";
import { ExitCode, UsageError } from "../../core/index.ts";
import { type ChatModel, closeCassettes, MODEL_SPEC_FORMS, resolveModel, UsageMeter } from "../../llm/index.ts";
import type { CommandContext } from "../context.ts";
import { Progress } from "../progress.ts";
import { action } from "../run-command.ts";
import { intFlag, numberFlag } from "./bench-flags.ts";
import { judgePriceOf } from "./bench-models.ts";
import {
  addScoringFlags,
  intervalsFromFlags,
  listFlag,
  panelFromFlags,
  type ScoringFlags,
  scoringFromFlags,
} from "./bench-scoring-flags.ts";
import { addUsdBudget, type BudgetFlags, usdBudget } from "./budget-flags.ts";

interface JudgeFlags extends ScoringFlags, Omit<BudgetFlags, "budgetTokens"> {
  budgetTokens?: number;
  judge?: string[];
  chunkTurns: number;
  contextTurns: number;
  rubric: "full" | "compact";
  maxCardChars: number;
  temperature: number;
  maxTokens: number;
  concurrency: number;
  models?: string;
  scenarios?: string;
  limit?: number;
  runs?: string;
  seeds?: string;
  includePartial?: boolean;
  skipInvalid?: boolean;
  cassette?: string;
  cassetteMode?: string;
  cache?: boolean;
  list?: boolean;
}

const HELP = `
Judges every NPC turn of a run — or of official role-play-bench dialogues, given as a .jsonl/.parquet file or a
folder — without regenerating anything. Each session is cut into chunks of --chunk-turns generated turns (default
20: five chunks per 100-turn session); the scripted rounds 0 (ai_prologue) and 1 (initial_user_input) are shown to
the first chunk as context and never scored. Each judge walks the chunks in order carrying a canon ledger of the
facts, relationships and world rules set so far (with their rounds), so a contradiction at round 87 of round 6 is
caught. Judges write flags {dimension, subtype, round, quote, severity 1–3, reason}; code checks every quote against
the cited round, and unverified flags are kept, marked, and not scored (--include-unverified to count them).

Scores: a dimension starts at 100 and loses pointsPerUnit (5) × (Σ severity − 0.1 × NPC turns) per chunk; sessions
average their chunks; Overall = 0.50·Worlds + 0.25·Stories + 0.25·User Preferences. With several --judge, a flag
stands when a majority of judges raised one of that dimension at that round (--panel union|intersection).

Judged chunks are stored as they finish: rerunning the same command resumes (and re-judging the same dialogues with
the same judge and settings costs nothing); a new --judge or rubric makes a new judgement of the same dialogues.
A judge that is the tested model or the user simulator itself, or from the tested model's family, is flagged with a
warning. Judge answers are cached only as judged chunks that passed validation, never in the response cache, so a
rerun retries failed chunks.

--budget-usd and --budget-tokens are hard limits of the judge's spending on this judgement, chunks judged by earlier
runs of it included. Before each call a pessimistic estimate (the prompt's size plus --max-tokens of output) is
reserved; when it does not fit, judging stops with exit 6 and every judged chunk kept, and the same command with a
larger limit continues.

Judge specs (--judge, repeatable):
  ${MODEL_SPEC_FORMS.join("\n  ")}

Examples:
  troupe bench judge 20250101-120000-ab12 --judge openai:gpt-4.1-mini
  troupe bench judge my-run --judge openai:gpt-4.1 --judge minimax:MiniMax-M2 --judge http://localhost:8000/v1#qwen3-32b
  troupe bench judge ./role-play-bench/data/en/dialogues.jsonl --judge judge --models gpt-5.1,grok-4.1 --limit 5
  troupe bench judge my-run --judge openai:gpt-4.1-mini --list`;

/** The per-model summary printed after judging. */
function summaryLines(intervals: Map<string, ScoreInterval[]>): string[] {
  const lines = ["model                          Overall              Worlds   Stories  UserPref  sessions"];
  for (const [model, list] of intervals) {
    const get = (m: string) => list.find((i) => i.metric === m && i.scope === "all");
    const o = get("overall");
    lines.push(
      `${model.padEnd(30).slice(0, 30)} ${o ? `${o.estimate.toFixed(1)} [${o.lower.toFixed(1)}, ${o.upper.toFixed(1)}]`.padEnd(20) : "–".padEnd(20)} ${[
        "worlds",
        "stories",
        "user_preferences",
      ]
        .map((m) => (get(m)?.estimate.toFixed(1) ?? "–").padStart(7))
        .join("  ")}  ${String(o?.sessions ?? 0).padStart(8)}`,
    );
  }
  return lines;
}

/** Resolve judge specs through the llm layer, metered, with an optional cassette (judge calls skip the cache). */
export async function resolveJudges(
  ctx: CommandContext,
  specs: string[] | undefined,
  flags: { cassette?: string; cassetteMode?: string; cache?: boolean },
  meter: UsageMeter,
): Promise<ChatModel[]> {
  const list = specs?.length ? specs : ctx.config.models["judge"] ? ["judge"] : [];
  if (list.length === 0)
    throw new UsageError("bench.no_judge", "No judge model given.", {
      hint: "Pass --judge <spec> (repeat it for a panel), or define a `judge` endpoint under models: in troupe.config.yaml.",
    });
  const store = await ctx.store();
  const judges: ChatModel[] = [];
  for (const spec of list)
    judges.push(
      await resolveModel(spec, {
        config: ctx.config,
        store,
        meter,
        logger: ctx.logger,
        ...(flags.cache === false ? { cache: false } : {}),
        ...(flags.cassette
          ? { cassette: { path: flags.cassette, mode: (flags.cassetteMode ?? "auto") as "auto" } }
          : {}),
      }),
    );
  if (new Set(judges.map((j) => j.id)).size !== judges.length)
    throw new UsageError("bench.duplicate_judge", "The same judge is listed twice.", {
      hint: "Give each --judge once.",
    });
  return judges;
}

/** `troupe bench judge <run|dialogues>`: judge (or re-judge) dialogues with a judge panel; resumable. */
export function registerBenchJudge(bench: Command): void {
  const command = bench
    .command("judge")
    .description("judge a run or official dialogues with an LLM judge panel (resumable; no regeneration)")
    .argument("<source>", "run id (or prefix), or an official dialogues .jsonl/.parquet file or folder")
    .option("-j, --judge <spec>", "judge model (repeat for a panel)", (v: string, prev: string[] = []) => [...prev, v])
    .option(
      "--chunk-turns <n>",
      "generated turns per judged chunk",
      intFlag(2, 1000),
      DEFAULT_JUDGE_SETTINGS.chunking.chunkTurns,
    )
    .option(
      "--context-turns <n>",
      "earlier turns shown before each chunk as unscored context",
      intFlag(0, 50),
      DEFAULT_JUDGE_SETTINGS.chunking.contextTurns,
    )
    .option(
      "--rubric <detail>",
      "full (defines each subtype) or compact (names only; for small-context judges)",
      "full",
    )
    .option(
      "--max-card-chars <n>",
      "longest character card shown to the judge",
      intFlag(0, 100_000),
      DEFAULT_JUDGE_SETTINGS.prompt.maxCardChars,
    )
    .option("--temperature <t>", "judge temperature", numberFlag(0, 2), 0)
    .option("--max-tokens <n>", "judge output limit per chunk", intFlag(64, 32_768), 2048)
    .option("-c, --concurrency <n>", "sessions judged at once", intFlag(1, 1024), 4)
    .option("--models <names>", "only these model_name values (comma-separated; official files hold 11)")
    .option("--scenarios <ids>", "only these scenario ids (comma-separated)")
    .option("--limit <n>", "only the first n scenarios (by id)", intFlag(1))
    .option("--runs <ids>", "only these run ids, e.g. run_1")
    .option("--seeds <file>", "official seeds file giving the judge the cards (default: seeds.* beside the dialogues)")
    .option("--include-partial", "also judge unfinished sessions of a run")
    .option("--skip-invalid", "go on with the valid rows when a dialogues file has invalid ones")
    .option("--cassette <file>", "record/replay judge calls in a JSONL cassette")
    .option("--cassette-mode <mode>", "record | replay | auto", "auto")
    .option("--no-cache", "no effect: judge calls never use the response cache (judged chunks are the cache)")
    .option("--list", "list the judgements of the source and stop")
    .option("--budget-tokens <n>", "hard limit of judge tokens (prompt + completion) for this judgement", intFlag(1));
  addUsdBudget(command, "hard spending limit of the judge for this judgement, in US dollars");
  addScoringFlags(command)
    .addHelpText("after", HELP)
    .action(
      action(async (ctx, spec: string, flags: JudgeFlags) => {
        const store = await ctx.store();
        if (flags.list) {
          const source = await loadDialogueSource(store, spec, { includePartial: true, skipInvalid: true });
          const list = await listJudgements(store, source.source);
          if (ctx.json) ctx.printJson(list);
          else if (list.length === 0) ctx.print(`${source.source} has no judgements yet.`);
          else
            for (const j of list)
              ctx.print(
                `${j.id}  ${j.status.padEnd(11)}  ${new Date(j.createdAt).toISOString()}  judges: ${((j.config["judges"] as string[]) ?? []).join(", ")}  prompt ${String(j.config["promptHash"])}`,
              );
          return ExitCode.ok;
        }
        if (flags.rubric !== "full" && flags.rubric !== "compact")
          throw new UsageError("bench.invalid_flag", `--rubric must be full or compact, not "${flags.rubric}".`);
        const scoring = scoringFromFlags(flags);
        const panel = panelFromFlags(flags);
        const source = await loadDialogueSource(store, spec, {
          models: listFlag(flags.models),
          scenarios: listFlag(flags.scenarios),
          limitScenarios: flags.limit,
          runs: listFlag(flags.runs),
          includePartial: flags.includePartial === true,
          skipInvalid: flags.skipInvalid === true,
          ...(flags.seeds ? { seedsFile: flags.seeds } : {}),
        });
        const sessions = toJudgeableSessions(source);
        if (sessions.length === 0)
          throw new UsageError(
            "bench.nothing_to_judge",
            `${source.source} has no dialogues to judge (after filters).`,
            {
              hint: "Check the run finished (or pass --include-partial) and the --models/--scenarios/--runs filters.",
            },
          );
        const meter = new UsageMeter();
        const judges = await resolveJudges(ctx, flags.judge, flags, meter);
        const budgetUsd = usdBudget({
          ...(flags.budgetUsd === undefined ? {} : { budgetUsd: flags.budgetUsd }),
          ...(flags.budget === undefined ? {} : { budget: flags.budget }),
        });
        const priceOf = judgePriceOf(ctx.config, flags.judge?.length ? flags.judge : ["judge"]);
        assertBudgetPriced(
          budgetUsd,
          judges.map((j) => j.id),
          priceOf,
        );
        const settings: JudgeSettings = {
          chunking: { chunkTurns: flags.chunkTurns, contextTurns: flags.contextTurns },
          prompt: { maxCardChars: flags.maxCardChars, rubric: flags.rubric },
          ledger: DEFAULT_JUDGE_SETTINGS.ledger,
          sampling: { temperature: flags.temperature, maxTokens: flags.maxTokens },
        };
        const chunksPerSession = (s: (typeof sessions)[number]) =>
          Math.ceil(s.turns.filter((t) => t.round >= 2).length / settings.chunking.chunkTurns);
        const total = sessions.reduce((n, s) => n + chunksPerSession(s), 0) * judges.length;
        const progress = new Progress({ label: `judging ${source.source}`, unit: "chunks" });
        let done = 0;
        let cached = 0;
        const controller = new AbortController();
        const onSigint = () => controller.abort(new Error("interrupted"));
        // `on` (removed below), not `once`: see serve.ts on signal-exit and local models.
        process.on("SIGINT", onSigint);
        let result: Awaited<ReturnType<typeof runJudgement>>;
        try {
          result = await runJudgement({
            store,
            source: source.source,
            sourceKind: source.kind,
            sessions,
            judges,
            settings,
            panel,
            scoring,
            concurrency: flags.concurrency,
            signal: controller.signal,
            ...(budgetUsd !== undefined || flags.budgetTokens !== undefined
              ? {
                  budget: {
                    ...(budgetUsd === undefined ? {} : { usd: budgetUsd }),
                    ...(flags.budgetTokens === undefined ? {} : { tokens: flags.budgetTokens }),
                    priceOf,
                    hint: `Every judged chunk is saved. Rerun \`troupe bench judge ${spec}\` with the same judges and a larger ${budgetUsd !== undefined && flags.budgetTokens !== undefined ? "--budget-usd or --budget-tokens" : budgetUsd !== undefined ? "--budget-usd" : "--budget-tokens"} to continue.`,
                  },
                }
              : {}),
            onChunk: (e) => {
              done++;
              if (e.cached) cached++;
              const snap = meter.snapshot();
              progress.update({
                done,
                total,
                tokens: snap.promptTokens + snap.completionTokens,
                costUsd: snap.costUsd,
                note: cached ? `${cached} from cache` : "",
              });
            },
          });
        } catch (error) {
          progress.done(
            controller.signal.aborted
              ? "interrupted: rerun the same command to resume"
              : error instanceof BudgetExhaustedError
                ? "budget reached"
                : "stopped",
          );
          if (controller.signal.aborted) return ExitCode.interrupted;
          throw error;
        } finally {
          process.off("SIGINT", onSigint);
          await closeCassettes();
        }
        progress.done();
        // Scored as an Eval scores: every detector, the panel policy and the scorer, intervals per tested model.
        const byModel = scoreJudgement(source, result, {
          panel,
          scorer: scoring,
          intervals: intervalsFromFlags(flags),
        }).scores;
        const usage = meter.snapshot();
        // Agreement is reported on every judgement with a panel (it needs at least two judges).
        const agreement =
          judges.length >= 2
            ? judgeAgreement(
                result.sessions.map((r) => r.byJudge),
                scoring.includeUnverified,
              )
            : undefined;
        if (ctx.json) {
          ctx.printJson({
            judgement: result.judgementId,
            source: source.source,
            config: result.config,
            warnings: result.warnings,
            chunks: total,
            cachedChunks: result.cachedChunks,
            failedChunks: result.failedChunks,
            usage: {
              promptTokens: usage.promptTokens,
              completionTokens: usage.completionTokens,
              costUsd: usage.costUsd,
            },
            scores: Object.fromEntries(byModel),
            agreement,
          });
        } else {
          for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
          ctx.print(
            `judgement ${result.judgementId} of ${source.source}: ${total} chunk(s) by ${judges.length} judge(s), ${result.cachedChunks} from cache, ${result.failedChunks} failed`,
          );
          ctx.print(`judge tokens ${usage.promptTokens + usage.completionTokens}, cost $${usage.costUsd.toFixed(4)}`);
          for (const line of summaryLines(byModel)) ctx.print(line);
          if (agreement) {
            ctx.print("judge agreement   Krippendorff α   Fleiss κ   agreement   units   flagged");
            const f = (v: number | undefined, d = 3) => (v === undefined ? "–" : v.toFixed(d));
            for (const a of agreement)
              ctx.print(
                `${a.dimension.padEnd(16)} ${f(a.alpha).padStart(15)} ${f(a.kappa).padStart(10)} ${`${f(a.percentAgreement === undefined ? undefined : a.percentAgreement * 100, 1)}%`.padStart(11)} ${String(a.units).padStart(7)} ${String(a.flaggedUnits).padStart(9)}`,
              );
          }
          if (result.failedChunks > 0)
            ctx.print(`${result.failedChunks} chunk(s) failed: rerun the same command to retry them.`);
          ctx.print(`report: troupe bench report ${spec}`);
        }
        return ExitCode.ok;
      }),
    );
}
