import { join } from "node:path";
import type { Command } from "commander";
import {
  assertBudgetPriced,
  assertSuiteValid,
  BUILTIN_SUITES,
  type ContextStrategy,
  contextFit,
  createRun,
  DEFAULT_SIMULATOR_SETTINGS,
  discardUnstartedRun,
  estimateRun,
  formatRowIssue,
  PERSONA_IDS,
  parsePersonas,
  parseTraps,
  resolveSuite,
  selectScenarios,
  TRAP_IDS,
} from "../../bench/index.ts";
import { ExitCode, UsageError } from "../../core/index.ts";
import { MODEL_SPEC_FORMS } from "../../llm/index.ts";
import { Progress } from "../progress.ts";
import { action } from "../run-command.ts";
import { executeAndReport } from "./bench-execute.ts";
import { contextStrategyFlag, intFlag, numberFlag, queueUrl } from "./bench-flags.ts";
import { formatContextFit, formatEstimate } from "./bench-format.ts";
import { cassetteHelp, modelsForEstimate, resolveBenchModels } from "./bench-models.ts";
import { addRoleUsdBudgets, addUsdBudget, type RoleBudgetFlags, roleUsdBudgets, usdBudget } from "./budget-flags.ts";

interface RunFlags extends RoleBudgetFlags {
  suite: string;
  model: string;
  userModel?: string;
  modelName?: string;
  runs: number;
  turns: number;
  concurrency: number;
  budget?: number;
  budgetUsd?: number;
  seed: number;
  limit?: number;
  scenarios?: string;
  skipInvalid?: boolean;
  personas?: string;
  traps?: string;
  userSeesCard?: boolean;
  maxRegenerations: number;
  userHistory?: number;
  contextStrategy: ContextStrategy;
  temperature?: number;
  world?: boolean;
  maxTokens: number;
  userTemperature: number;
  userMaxTokens: number;
  cassette?: string;
  cassetteMode?: string;
  cache?: boolean;
  queue?: string | true;
  queueName?: string;
  detach?: boolean;
  dryRun?: boolean;
  id?: string;
}

const HELP = `
Runs the role-play-bench protocol: for each scenario and each of --runs runs, a session of exactly --turns + 2
turns (round 0 = ai_prologue, round 1 = initial_user_input, then the model under test on even rounds and the
user simulator on odd rounds). Sessions run --concurrency at a time; each turn is committed to the database as
it completes, so a run killed at any point continues with \`troupe bench resume <run>\`.

--suite takes: ${BUILTIN_SUITES.join(", ")} (built in); role-play-bench:en or role-play-bench:zh (the official
seeds, downloaded once into <home>/cache); a seeds .jsonl or .parquet file; a folder of official files
(seeds.jsonl or data/en/seeds.jsonl); or a troupe .yaml/.json suite.

Model specs (--model, --user-model):
  ${MODEL_SPEC_FORMS.join("\n  ")}

User simulator: a versioned prompt (its hash is recorded on the run) plays user_name from user_setting; it does
not see the NPC's card unless --user-sees-card. Personas (one per session, chosen by seed): ${PERSONA_IDS.join(", ")}.
Traps (each at most once per session, at seeded rounds): ${TRAP_IDS.join(", ")}.

Context: --context-strategy full (the default, the official protocol) sends the model under test the whole
dialogue every turn. window:<k> keeps the card, the opening exchange (prologue and first user message) and the
last k turns (k rounded up to even), dropping the oldest turns in between, so long sessions fit a small context;
it is recorded on the run and in each exported dialogue's meta.context_strategy. The simulator's own window is
--user-history.

Failures: an error every session would hit (a bad key, no balance, an unreachable host, a request the model
never accepted) stops the run; an error of one session (its dialogue outgrew the model's context) fails that
session only, with its round and reason, and the others go on. \`troupe bench resume\` retries failed sessions.

Before starting, troupe prints an estimate of calls, tokens and cost, and whether each model's largest call (a
session's last turn) fits its context window when troupe knows it (a local GGUF's header, local:<file>#ctx=<n>,
contextSize: on a named endpoint); --dry-run stops there, and needs no API keys. --budget-usd is a hard
stop: no call starts that could take spending past it, and the run stays resumable. Prices come from
troupe.config.yaml (prices: or a named endpoint's price:).

Exit codes: 0 every session complete; 2 invalid flags or files (or --id of an existing run); 4 sessions failed
or a model error stopped the run (see \`troupe bench status <run>\`); 6 budget reached; 130 interrupted.

Examples:
  troupe bench run --suite builtin-en --model minimax:M2-her --user-model openai:gpt-4.1-mini --runs 3 --turns 100
  troupe bench run --suite role-play-bench:zh --model http://localhost:8000/v1#qwen2.5-7b --user-model judge \\
      --concurrency 16 --budget-usd 20
  troupe bench run --suite ./my-suite.yaml --model local:./models/qwen.gguf --turns 20 --runs 1 --limit 3
  troupe bench run --suite builtin-en --model local:./models/small.gguf#ctx=4096 --context-strategy window:24
  troupe bench run --suite builtin-en --model minimax:M2-her --user-model openai:gpt-4.1-mini --dry-run
  troupe bench run --suite builtin-en --model openai:gpt-4.1-mini --queue redis://127.0.0.1:6379   # then: troupe worker`;

/** `troupe bench run`: create a run from a suite and two models, estimate it, and generate its sessions. */
export function registerBenchRun(bench: Command): void {
  addRoleUsdBudgets(addUsdBudget(bench.command("run"), "hard spending limit in US dollars"))
    .description("generate bench dialogues: scenarios × runs × (turns + 2), resumable, with an estimate and a budget")
    .requiredOption(
      "--suite <suite>",
      "built-in suite, role-play-bench:en|zh, seeds .jsonl/.parquet, official folder, or .yaml suite",
    )
    .requiredOption("-m, --model <spec>", "the model under test (plays the NPC)")
    .option(
      "-u, --user-model <spec>",
      "the user simulator model (default: --model; hold it fixed when comparing models)",
    )
    .option("--model-name <name>", "model_name written into dialogues (default: --model)")
    .option("-r, --runs <n>", "independent runs per scenario", intFlag(1, 100), 3)
    .option("-t, --turns <n>", "generated turns per session (a session has turns + 2)", intFlag(0, 10_000), 100)
    .option("-c, --concurrency <n>", "sessions in flight at once", intFlag(1, 4096), 4)
    .option("--seed <n>", "base seed; runs and sessions derive theirs from it", intFlag(0, 2 ** 31 - 1), 1)
    .option("--limit <n>", "only the first n scenarios of the suite", intFlag(1))
    .option("--scenarios <ids>", "only these scenario ids (comma-separated)")
    .option("--skip-invalid", "go on with the valid rows when the suite file has invalid ones")
    .option("--personas <list>", `user personas, one drawn per session (${PERSONA_IDS.join(", ")}, or all)`, "plain")
    .option("--traps <list>", `trap turns per session (${TRAP_IDS.join(", ")}; all or none)`, "all")
    .option("--user-sees-card", "let the user simulator read the NPC's card (recorded on the run)")
    .option(
      "--max-regenerations <n>",
      "simulator QA: redrafts of a broken user turn before using it anyway",
      intFlag(0, 10),
      2,
    )
    .option("--user-history <n>", "simulator sees only the last n turns (default: all)", intFlag(1))
    .option(
      "--context-strategy <s>",
      "what the model under test is sent: full (official) or window:<k> (card, opening, last k turns)",
      contextStrategyFlag,
      "full",
    )
    .option("--temperature <t>", "player sampling temperature (default: the model's)", numberFlag(0, 2))
    .option("--world", "play the NPC through the world engine (ledger, knowledge, invariant checks, regeneration)")
    .option("--max-tokens <n>", "player output limit per turn", intFlag(1, 32_768), 512)
    .option("--user-temperature <t>", "user simulator temperature", numberFlag(0, 2), 1)
    .option("--user-max-tokens <n>", "user simulator output limit per turn", intFlag(1, 8_192), 256)
    .option("--cassette <file>", cassetteHelp())
    .option("--cassette-mode <mode>", "record | replay | auto (replay what is there, record the rest)", "auto")
    .option(
      "--cache",
      "also keep every model answer in the response cache (off for bench runs: turns are stored anyway)",
    )
    .option(
      "--queue [redis-url]",
      "distribute sessions as BullMQ jobs for `troupe worker` processes (no URL: REDIS_URL)",
    )
    .option("--queue-name <name>", "BullMQ queue name, to run separate worker fleets on one Redis", "troupe-bench")
    .option("--detach", "with --queue: enqueue and return instead of watching")
    .option("--dry-run", "print the estimate and stop")
    .option("--id <run-id>", "choose the run id (default: timestamp + random)")
    .addHelpText("after", HELP)
    .action(
      action(async (ctx, flags: RunFlags) => {
        const queue = queueUrl(flags.queue, flags.detach, ctx.config.redisUrl);
        if (flags.world && flags.contextStrategy !== "full") {
          throw new UsageError(
            "bench.context_strategy_world",
            "--context-strategy window:<k> applies to the default player; --world assembles its own context.",
            { hint: "Drop --context-strategy, or run without --world." },
          );
        }
        const downloadBar = new Progress({ label: "downloading role-play-bench seeds", unit: "B" });
        const suite = await resolveSuite(flags.suite, {
          cacheDir: join(ctx.config.home, "cache", "role-play-bench"),
          download: { onProgress: (done, total) => downloadBar.update({ done, ...(total ? { total } : {}) }) },
        });
        if (suite.issues.length > 0 && flags.skipInvalid) {
          process.stderr.write(`warning: ${suite.issues.length} invalid row(s) in ${suite.source} skipped:\n`);
          for (const issue of suite.issues.slice(0, 20)) process.stderr.write(`  ${formatRowIssue(issue)}\n`);
        }
        assertSuiteValid(suite, flags.skipInvalid === true);
        const scenarios = selectScenarios(suite, {
          ...(flags.scenarios
            ? {
                only: flags.scenarios
                  .split(",")
                  .map((s) => s.trim())
                  .filter(Boolean),
              }
            : {}),
          ...(flags.limit === undefined ? {} : { limit: flags.limit }),
        });
        const personas = parsePersonas(flags.personas);
        const traps = parseTraps(flags.traps);
        const userSpec = flags.userModel ?? flags.model;
        if (!flags.userModel && !ctx.json) {
          process.stderr.write(
            "note: the user simulator is the model under test (--user-model not given); hold --user-model fixed to compare models.\n",
          );
        }
        const playerParams = {
          maxTokens: flags.maxTokens,
          ...(flags.temperature === undefined ? {} : { temperature: flags.temperature }),
        };
        const simulator = {
          ...DEFAULT_SIMULATOR_SETTINGS,
          params: { temperature: flags.userTemperature, maxTokens: flags.userMaxTokens },
          seesCard: flags.userSeesCard === true,
          maxRegenerations: flags.maxRegenerations,
          ...(flags.userHistory === undefined ? {} : { historyTurns: flags.userHistory }),
        };
        // The estimate needs only the specs (ids, prices, context windows): no API key, no model loaded or called.
        const known = await modelsForEstimate(ctx, { player: flags.model, user: userSpec });
        const estimate = estimateRun({
          scenarios,
          runs: flags.runs,
          turns: flags.turns,
          playerMaxTokens: flags.maxTokens,
          userMaxTokens: flags.userMaxTokens,
          seesCard: simulator.seesCard,
          ...(simulator.historyTurns === undefined ? {} : { historyTurns: simulator.historyTurns }),
          contextStrategy: flags.contextStrategy,
          price: { player: known.priceOf(known.playerId), "user-sim": known.priceOf(known.userId) },
        });
        const fits = contextFit(estimate, known.contextWindow);
        const ids = { player: known.playerId, "user-sim": known.userId };
        if (flags.dryRun) {
          if (ctx.json)
            ctx.printJson({
              suite: { name: suite.name, source: suite.source, scenarios: scenarios.length },
              estimate,
              context: fits,
            });
          else for (const line of [...formatEstimate(estimate), ...formatContextFit(fits, ids)]) ctx.print(line);
          return ExitCode.ok;
        }
        if (!ctx.json)
          for (const line of formatContextFit(
            fits.filter((f) => f.verdict === "overflows"),
            ids,
          ))
            process.stderr.write(`warning:${line.slice(1)}\n`);
        const models = await resolveBenchModels(
          ctx,
          {
            player: flags.model,
            user: userSpec,
            playerParams,
            concurrency: flags.concurrency,
            world: flags.world === true,
          },
          {
            ...(flags.cassette ? { cassette: flags.cassette, cassetteMode: flags.cassetteMode ?? "auto" } : {}),
            ...(flags.cache === true ? { cache: true } : {}),
          },
        );
        // Refused before the run exists, so a refused start leaves nothing behind.
        assertBudgetPriced(usdBudget(flags), [models.player.modelId, models.userModel.id], models.priceOf);
        const roleBudgets = roleUsdBudgets(flags);
        assertBudgetPriced(roleBudgets?.player, [models.player.modelId], models.priceOf);
        assertBudgetPriced(roleBudgets?.["user-sim"], [models.userModel.id], models.priceOf);
        const store = await ctx.store();
        const run = await createRun(store, {
          suite,
          scenarios,
          player: models.player,
          userModel: models.userModel,
          userSpec: models.userSpec,
          ...(flags.modelName ? { modelName: flags.modelName } : {}),
          playerParams,
          simulator,
          personas,
          traps,
          runs: flags.runs,
          turns: flags.turns,
          seed: flags.seed,
          concurrency: flags.concurrency,
          ...(usdBudget(flags) === undefined ? {} : { budgetUsd: usdBudget(flags) }),
          ...(roleBudgets ? { roleBudgetsUsd: roleBudgets } : {}),
          contextStrategy: flags.contextStrategy,
          ...(flags.id ? { runId: flags.id } : {}),
          status: queue ? "queued" : "running",
        });
        if (!ctx.json)
          ctx.print(
            `run ${run.id}: ${scenarios.length} scenarios × ${flags.runs} runs × ${flags.turns + 2} turns, suite ${suite.name} (${suite.hash})`,
          );
        try {
          return await executeAndReport(ctx, run, models, estimate, {
            ...(queue ? { queue, queueName: flags.queueName } : {}),
            ...(flags.detach ? { detach: true } : {}),
          });
        } catch (error) {
          // A start refused before any turn (an unreachable queue, …) must not leave a "running" run behind.
          if (await discardUnstartedRun(store, run.id).catch(() => false))
            process.stderr.write(`run ${run.id} did not start and was removed.\n`);
          throw error;
        }
      }),
    );
}
