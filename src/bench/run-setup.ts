import { randomBytes } from "node:crypto";
import { seedFrom, UsageError } from "../core/index.ts";
import type { ChatModel } from "../llm/index.ts";
import type { Store } from "../store/index.ts";
import { type ContextStrategy, DEFAULT_CONTEXT_STRATEGY } from "./context-strategy.ts";
import type { PersonaId } from "./persona.ts";
import type { TrapId } from "./perturbation.ts";
import type { Player, SamplingParams } from "./player.ts";
import type { RunConfig } from "./run-config.ts";
import { getRun, insertRun, type NewSession, type RunRecord, type RunStatus, runExists } from "./run-store.ts";
import { expandScenarioMacros, type Scenario } from "./scenario.ts";
import { SIMULATOR_PROMPT_VERSION, simulatorPromptHash } from "./simulator-prompt.ts";
import type { Suite } from "./suite.ts";
import { planSimulator, type UserSimulatorSettings } from "./user-simulator.ts";

/** What `createRun` needs: the scenarios, the two models and every setting that defines the run. */
export interface NewRunInput {
  suite: Pick<Suite, "name" | "source" | "hash">;
  scenarios: readonly Scenario[];
  player: Player;
  /** The user simulator's model and the spec it was resolved from. */
  userModel: ChatModel;
  userSpec: string;
  /** `model_name` in the dialogues (default: the player's spec). */
  modelName?: string;
  playerParams?: SamplingParams;
  simulator: UserSimulatorSettings;
  personas: readonly PersonaId[];
  traps: readonly TrapId[];
  runs: number;
  turns: number;
  seed: number;
  concurrency: number;
  budgetUsd?: number;
  /** Spending limits of single roles, besides the total. */
  roleBudgetsUsd?: { player?: number; "user-sim"?: number };
  /** What of the history the player is sent (default "full", the official protocol). */
  contextStrategy?: ContextStrategy;
  /** Run id (default: timestamp plus random suffix). */
  runId?: string;
  /** Initial status ("queued" for distributed runs). */
  status?: RunStatus;
  now?: () => number;
}

/** A fresh run id: sortable by time, unique across machines. */
export function newRunId(now: number): string {
  const d = new Date(now);
  const pad = (n: number) => String(n).padStart(2, "0");
  const stamp = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  return `${stamp}-${randomBytes(2).toString("hex")}`;
}

/** The seed of run k (1-based) of a bench run with base seed `seed`. */
export function runSeed(seed: number, runIndex: number): number {
  return seedFrom(seed, "run", runIndex);
}

/** The seed of one session: a scenario under run k. */
export function sessionSeed(seed: number, runIndex: number, scenarioId: string): number {
  return seedFrom(runSeed(seed, runIndex), scenarioId);
}

/**
 * Record a new run and its sessions (scenarios × runs, run-major so run_1 of every scenario comes first), each
 * with its seed and simulator plan. Nothing is generated yet; `executeRun` or workers do that.
 */
export async function createRun(store: Store, input: NewRunInput): Promise<RunRecord> {
  if (input.scenarios.length === 0) throw new UsageError("bench.no_scenarios", "The run has no scenarios.");
  // Scenarios built in code rather than loaded from a file get their card macros expanded here.
  const scenarios = input.scenarios.map(expandScenarioMacros);
  const now = (input.now ?? Date.now)();
  const id = input.runId ?? newRunId(now);
  if (await runExists(store, id)) throw runExistsError(id);
  const config: RunConfig = {
    version: 1,
    suite: { name: input.suite.name, source: input.suite.source, hash: input.suite.hash },
    modelName: input.modelName ?? input.player.spec,
    player: {
      kind: String(input.player.describe()["kind"] ?? "custom"),
      spec: input.player.spec,
      id: input.player.id,
      params: input.playerParams ?? {},
      describe: input.player.describe(),
    },
    userSimulator: {
      spec: input.userSpec,
      model: input.userModel.id,
      params: input.simulator.params,
      promptVersion: SIMULATOR_PROMPT_VERSION,
      promptHash: simulatorPromptHash(),
      seesCard: input.simulator.seesCard,
      maxRegenerations: input.simulator.maxRegenerations,
      ...(input.simulator.historyTurns === undefined ? {} : { historyTurns: input.simulator.historyTurns }),
      personas: [...input.personas],
      traps: [...input.traps],
    },
    runs: input.runs,
    turns: input.turns,
    seed: input.seed,
    concurrency: input.concurrency,
    ...(input.budgetUsd === undefined ? {} : { budgetUsd: input.budgetUsd }),
    ...(input.roleBudgetsUsd === undefined ? {} : { roleBudgetsUsd: input.roleBudgetsUsd }),
    contextStrategy: input.contextStrategy ?? DEFAULT_CONTEXT_STRATEGY,
  };
  const sessions: NewSession[] = [];
  for (let k = 1; k <= input.runs; k++) {
    for (const scenario of scenarios) {
      const seed = sessionSeed(input.seed, k, scenario.id);
      sessions.push({
        id: `${id}/${scenario.id}/run_${k}`,
        seq: sessions.length,
        seedId: scenario.id,
        runIndex: k,
        runLabel: `run_${k}`,
        sessionSeed: seed,
        plan: planSimulator(seed, input.turns, scenario, input.personas, input.traps),
      });
    }
  }
  try {
    await insertRun(store, { id, status: input.status ?? "running", config, scenarios, now }, sessions);
  } catch (error) {
    // Another process created the same id in between.
    if (await runExists(store, id)) throw runExistsError(id);
    throw error;
  }
  return getRun(store, id);
}

function runExistsError(id: string): UsageError {
  return new UsageError("bench.run_exists", `A bench run "${id}" already exists.`, {
    hint: `Continue it with \`troupe bench resume ${id}\`, delete it with \`troupe bench rm ${id}\`, or choose another --id.`,
  });
}
