import { seedFrom, TroupeError } from "../core/index.ts";
import type { ChatModel } from "../llm/index.ts";
import type { Store } from "../store/index.ts";
import { BudgetExhaustedError, type CallGuard, promptSize } from "./budget.ts";
import { applyContextStrategy, type ContextStrategy } from "./context-strategy.ts";
import type { TurnMeta } from "./dialogue.ts";
import type { Player } from "./player.ts";
import { loadSessionTurns, type SessionRecord } from "./run-store.ts";
import type { Scenario } from "./scenario.ts";
import { type SessionRole, SessionTurnError } from "./session-failure.ts";
import { SimulatorQa } from "./simulator-qa.ts";
import { protocolProblem, roleForRound, type Turn } from "./turn.ts";
import { turnWriter } from "./turn-writer.ts";
import { simulateUserTurn, type UserSimulatorSettings } from "./user-simulator.ts";

/** Everything one session needs besides its record. */
export interface SessionDeps {
  store: Store;
  player: Player;
  userModel: ChatModel;
  simulator: UserSimulatorSettings;
  /** Guards the player's calls (and the simulator's, unless `simulatorGuard` is given). */
  guard: CallGuard;
  /** Guards the user simulator's calls when its role has a budget of its own. */
  simulatorGuard?: CallGuard;
  /** The player's output allowance, for the budget's pessimistic estimate. */
  playerMaxTokens: number;
  /** What of the history the player is sent (default "full", the official protocol). */
  contextStrategy?: ContextStrategy;
  signal?: AbortSignal;
  now: () => number;
  /** Called after each turn is committed. */
  onTurn?: (meta: TurnMeta) => void;
}

/** How a session run ended. */
export interface SessionOutcome {
  /** Turns committed by this call (0 when it was already complete). */
  added: number;
  total: number;
}

const SCRIPTED = (round: number): TurnMeta => ({
  round,
  source: "script",
  model: "script",
  latency_ms: 0,
  prompt_tokens: 0,
  completion_tokens: 0,
  cost_usd: 0,
  retries: 0,
  attempts: 0,
  finish_reason: "stop",
  seed: 0,
});

/**
 * Run (or continue) one session to exactly `turns + 2` turns: round 0 is the prologue and round 1 the scripted
 * first user message, then the player on even rounds and the simulator on odd ones. It starts from whatever is
 * already committed, and commits each turn before generating the next, so a crash at any instant loses at most
 * the turn in flight. Every seed derives from (session seed, round), so the continuation equals an uninterrupted run.
 */
export async function runSession(
  session: SessionRecord,
  scenario: Scenario,
  turns: number,
  deps: SessionDeps,
): Promise<SessionOutcome> {
  const stored = await loadSessionTurns(deps.store, session.id);
  const history: Turn[] = stored.map((s) => s.turn);
  const problem = protocolProblem(history);
  if (problem) {
    throw new TroupeError(
      "bench.corrupt_session",
      `Session ${session.id} has inconsistent turns: ${problem.message}.`,
      {
        hint: "The database was edited or damaged; export what is there and start a new run for this scenario.",
      },
    );
  }
  const target = turns + 2;
  const qa = new SimulatorQa(scenario);
  let added = 0;
  const writer = turnWriter(deps.store);
  // Prompt size for the budget's estimate, kept as a running total instead of rescanning the history every turn.
  const settings = promptSize([scenario.aiSetting, scenario.userSetting]);
  const sizeSoFar = promptSize(history.map((t) => t.text));
  // A model call that fails for good fails the session with its round and role; stops (budget, abort) pass as they are.
  const call = async <R>(role: SessionRole, round: number, run: () => Promise<R>): Promise<R> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof BudgetExhaustedError || deps.signal?.aborted) throw error;
      throw new SessionTurnError(role, round, error);
    }
  };
  const windowed = deps.contextStrategy !== undefined && deps.contextStrategy !== "full";
  // Commits are pipelined one deep: a finished turn is handed to the writer and the next model call starts at once,
  // but a turn is never handed over before the previous one is durable. The stored turns are therefore always a
  // prefix of the session; a crash loses at most the one turn in flight, never acknowledged and regenerated on
  // resume (identically over a cassette). Waiting for every commit before the next call instead put the write's
  // latency on the critical path of all 100 turns of every session.
  let inFlight: Promise<void> = Promise.resolve();
  let durable = true;
  // Waiting for the previous turn with nothing running beside it (the scripted opening, the end of the session):
  // have the writer close its batch now rather than sit out its window.
  const settle = () => {
    if (!durable) writer.hurry();
    return inFlight;
  };
  const commit = async (turn: Turn, meta: TurnMeta) => {
    await settle();
    const size = promptSize([turn.text]);
    sizeSoFar.chars += size.chars;
    sizeSoFar.cjkChars += size.cjkChars;
    history.push(turn);
    durable = false;
    inFlight = writer.commit(session.runId, session.id, turn, meta, deps.now()).then(() => {
      durable = true;
      added++;
      deps.onTurn?.(meta);
    });
    // Observed here so a failure while the next call runs is not an unhandled rejection; it is rethrown by the
    // next `await inFlight` (the next commit, or the end of the session).
    inFlight.catch(() => {});
  };
  try {
    for (let round = history.length; round < target; round++) {
      deps.signal?.throwIfAborted();
      const tags = { run: session.runId, session: session.id, round };
      if (round === 0) {
        await commit({ role: "ai", round, text: scenario.aiPrologue }, SCRIPTED(round));
      } else if (round === 1) {
        await commit({ role: "user", round, text: scenario.initialUserInput }, SCRIPTED(round));
      } else if (roleForRound(round) === "ai") {
        const seed = seedFrom(session.sessionSeed, "player", round) & 0x7fffffff;
        // A window sends fewer turns: measure what is sent (the running total covers the whole history).
        const sent = windowed
          ? promptSize(applyContextStrategy(history, deps.contextStrategy).map((t) => t.text))
          : sizeSoFar;
        const prompt = { chars: settings.chars + sent.chars, cjkChars: settings.cjkChars + sent.cjkChars };
        const { result, costUsd } = await call("player", round, () =>
          deps.guard.guard(deps.player.modelId ?? deps.player.spec, prompt, deps.playerMaxTokens, () =>
            deps.player.nextTurn({
              scenario,
              history,
              round,
              seed,
              runIndex: session.runIndex,
              ...(deps.contextStrategy ? { context: deps.contextStrategy } : {}),
              ...(deps.signal ? { signal: deps.signal } : {}),
              tags,
            }),
          ),
        );
        await commit(
          { role: "ai", round, text: result.text },
          {
            round,
            source: "player",
            model: result.model,
            latency_ms: result.latencyMs,
            prompt_tokens: result.usage.promptTokens,
            completion_tokens: result.usage.completionTokens,
            cost_usd: costUsd,
            retries: result.retries,
            attempts: result.calls ?? 1,
            finish_reason: result.finishReason,
            seed,
          },
        );
      } else {
        const turn = await call("user-sim", round, () =>
          simulateUserTurn(deps.userModel, deps.simulator, {
            scenario,
            history,
            round,
            plan: session.plan,
            sessionSeed: session.sessionSeed,
            runIndex: session.runIndex,
            qa,
            historySize: sizeSoFar,
            guard: deps.simulatorGuard ?? deps.guard,
            ...(deps.signal ? { signal: deps.signal } : {}),
            tags,
          }),
        );
        await commit(
          { role: "user", round, text: turn.text },
          {
            round,
            source: "user-sim",
            model: turn.model,
            latency_ms: turn.latencyMs,
            prompt_tokens: turn.promptTokens,
            completion_tokens: turn.completionTokens,
            cost_usd: turn.costUsd,
            retries: turn.retries,
            attempts: turn.attempts,
            finish_reason: turn.finishReason,
            seed: turn.seed,
            ...(turn.perturbation ? { perturbation: turn.perturbation } : {}),
            ...(turn.qa.length > 0 ? { qa: turn.qa } : {}),
          },
        );
      }
    }
  } catch (error) {
    // A graceful stop (budget, Ctrl-C, a failed call) still lands the turn already handed to the writer.
    await inFlight.catch(() => {});
    throw error;
  }
  await settle();
  return { added, total: history.length };
}
