import { createRng, seedFrom } from "../core/index.ts";
import type { ChatMessage, ChatModel } from "../llm/index.ts";
import { type CallGuard, type PromptSize, promptSize } from "./budget.ts";
import type { QaEvent } from "./dialogue.ts";
import { PERSONAS, type PersonaId } from "./persona.ts";
import { type PerturbationEvent, SILENCE_TEXT, scheduleEvents, type TrapId } from "./perturbation.ts";
import type { SamplingParams } from "./player.ts";
import type { Scenario } from "./scenario.ts";
import { buildSimulatorMessages } from "./simulator-prompt.ts";
import type { SimulatorQa } from "./simulator-qa.ts";
import { addTypos, messUpFormat } from "./text-noise.ts";
import type { Turn } from "./turn.ts";

/** A session's simulator plan: its persona and scheduled events, derived from the session seed alone. */
export interface SimulatorPlan {
  persona: PersonaId;
  events: PerturbationEvent[];
}

/** Choose a session's persona (uniformly among those selected for the run) and schedule its events. */
export function planSimulator(
  sessionSeed: number,
  turns: number,
  scenario: Scenario,
  personas: readonly PersonaId[],
  traps: readonly TrapId[],
): SimulatorPlan {
  const choices = personas.length > 0 ? personas : (["plain"] as const);
  const persona = choices[createRng(sessionSeed).fork("persona").int(choices.length)] as PersonaId;
  return { persona, events: scheduleEvents(sessionSeed, turns, traps, PERSONAS[persona].schedules, scenario.lang) };
}

/** Settings of the user simulator, recorded on the run. */
export interface UserSimulatorSettings {
  params: SamplingParams;
  /** Whether the simulator reads the NPC's card (default false). */
  seesCard: boolean;
  /** How many times QA may send a draft back before the last one is used anyway. */
  maxRegenerations: number;
  /** Keep only the last N turns in the simulator's prompt (default: the whole dialogue). */
  historyTurns?: number;
}

export const DEFAULT_SIMULATOR_SETTINGS: UserSimulatorSettings = {
  params: { temperature: 1, maxTokens: 256 },
  seesCard: false,
  maxRegenerations: 2,
};

/** A generated user turn and what it took. */
export interface SimulatedTurn {
  text: string;
  model: string;
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  retries: number;
  /** Model calls made (0 for a scripted turn, more than 1 after QA regenerations). */
  attempts: number;
  finishReason: string;
  seed: number;
  perturbation?: string;
  qa: QaEvent[];
}

export interface SimulatorTurnInput {
  scenario: Scenario;
  history: readonly Turn[];
  round: number;
  plan: SimulatorPlan;
  sessionSeed: number;
  runIndex: number;
  qa: SimulatorQa;
  /** The size of every text in `history`, kept by the caller as a running total (saves rescanning it per turn). */
  historySize?: PromptSize;
  guard: CallGuard;
  signal?: AbortSignal;
  tags?: Record<string, string | number>;
}

/**
 * Produce the user's turn for one odd round. Scripted turns (silence, a terse persona's "ok") cost nothing; other
 * turns are drafted by the model, checked by simulator QA and regenerated within a bound, then given the persona's
 * deterministic noise (typos, messy formatting). Every random choice comes from (session seed, round, attempt),
 * so a resumed session makes exactly the same turn.
 */
export async function simulateUserTurn(
  model: ChatModel,
  settings: UserSimulatorSettings,
  input: SimulatorTurnInput,
): Promise<SimulatedTurn> {
  const { scenario, round, plan } = input;
  const lang = scenario.lang;
  const rng = createRng(seedFrom(input.sessionSeed, "user-turn", round));
  const event = plan.events.find((e) => e.round === round);
  const persona = PERSONAS[plan.persona];
  const scripted = (text: string, perturbation?: string): SimulatedTurn => ({
    text,
    model: "script",
    latencyMs: 0,
    promptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    retries: 0,
    attempts: 0,
    finishReason: "stop",
    seed: 0,
    ...(perturbation ? { perturbation } : {}),
    qa: [],
  });
  if (event?.kind === "trap:silence") {
    const options = SILENCE_TEXT[lang];
    return scripted(options[rng.int(options.length)] as string, event.kind);
  }
  // Draw before the branch so the stream stays aligned whether or not this turn is scripted.
  const scriptDraw = rng.next();
  const scriptPick = rng.int(1_000_000);
  if (!event && persona.scriptedShare && persona.scripted && scriptDraw < persona.scriptedShare) {
    const options = persona.scripted[lang];
    return scripted(options[scriptPick % options.length] as string, "persona:scripted");
  }

  const total: SimulatedTurn = {
    ...scripted(""),
    model: model.id,
    attempts: 0,
    ...(event ? { perturbation: event.kind } : {}),
  };
  let rejected: string | undefined;
  let text = "";
  for (let attempt = 0; attempt <= settings.maxRegenerations; attempt++) {
    const messages = buildSimulatorMessages(scenario, input.history, {
      persona: plan.persona,
      seesCard: settings.seesCard,
      ...(event ? { event } : {}),
      ...(rejected ? { rejected } : {}),
      ...(settings.historyTurns === undefined ? {} : { historyTurns: settings.historyTurns }),
    });
    const seed = seedFrom(input.sessionSeed, "user", round, attempt) & 0x7fffffff;
    const prompt = measurePrompt(messages, input, settings.historyTurns === undefined);
    const { result, costUsd } = await input.guard.guard(model.id, prompt, settings.params.maxTokens ?? 256, () =>
      model.chat(
        { messages, ...settings.params },
        {
          role: "user-sim",
          seed,
          runIndex: input.runIndex,
          ...(input.signal ? { signal: input.signal } : {}),
          tags: { ...input.tags, attempt },
        },
      ),
    );
    total.model = result.model;
    total.latencyMs += result.latencyMs;
    total.promptTokens += result.usage.promptTokens;
    total.completionTokens += result.usage.completionTokens;
    total.costUsd += costUsd;
    total.retries += result.retries ?? 0;
    total.attempts++;
    total.finishReason = result.finishReason;
    total.seed = seed;
    const verdict = input.qa.check(result.text, input.history);
    if (verdict.repaired)
      total.qa.push({ attempt, problem: "strips_own_name", detail: verdict.repaired, action: "repaired" });
    text = verdict.text;
    if (!verdict.problem) break;
    const last = attempt === settings.maxRegenerations;
    const action = !last ? "regenerated" : text.length > 0 ? "accepted" : "fallback";
    total.qa.push({ attempt, problem: verdict.problem, detail: verdict.detail ?? "", action });
    rejected = verdict.problem;
    if (last && text.length === 0) {
      // Nothing usable after the bound: the user says nothing rather than the harness inventing words.
      const options = SILENCE_TEXT[lang];
      text = options[rng.int(options.length)] as string;
    }
  }
  // A fork depends only on the turn's seed and its label, so forking only when a persona needs noise changes nothing.
  if (persona.transform === "typos") text = addTypos(text, lang, rng.fork("noise"));
  else if (persona.transform === "messy-format") text = messUpFormat(text, lang, rng.fork("noise"));
  return { ...total, text };
}

/**
 * The simulator prompt's size for the budget. Its messages are the system prompt, every history turn's text
 * unchanged, then any instructions; with the caller's running total of the history only the rest is measured.
 */
function measurePrompt(messages: readonly ChatMessage[], input: SimulatorTurnInput, wholeHistory: boolean): PromptSize {
  if (!input.historySize || !wholeHistory) return promptSize(messages.map((m) => m.content));
  const rest = promptSize([messages[0], ...messages.slice(1 + input.history.length)].map((m) => (m ? m.content : "")));
  return { chars: rest.chars + input.historySize.chars, cjkChars: rest.cjkChars + input.historySize.cjkChars };
}
