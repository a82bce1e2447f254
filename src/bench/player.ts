import { stableHash } from "../core/index.ts";
import type { ChatMessage, ChatModel, Usage } from "../llm/index.ts";
import { applyContextStrategy, type ContextStrategy } from "./context-strategy.ts";
import type { Lang, Scenario } from "./scenario.ts";
import type { Turn } from "./turn.ts";

/** What a player is asked for: the NPC's next turn in one session. */
export interface PlayerInput {
  scenario: Scenario;
  /** The dialogue so far (rounds 0 … round−1); the last turn is the user's. */
  history: readonly Turn[];
  /** The round being generated (always even). */
  round: number;
  /** The sampling seed for this turn, derived from the session seed and the round. */
  seed: number;
  /** 1-based index of the repeated run (run_1 … run_R). */
  runIndex: number;
  /**
   * What of `history` to send (the run's `--context-strategy`; absent means all of it). The default player honours
   * it; a player that assembles its own context (the world engine's) may ignore it.
   */
  context?: ContextStrategy;
  signal?: AbortSignal;
  /** Labels recorded with usage (run, session, round). */
  tags?: Record<string, string | number>;
}

/** The NPC's turn and what it cost. */
export interface PlayerTurn {
  text: string;
  /** The model id that answered. */
  model: string;
  latencyMs: number;
  usage: Usage;
  /** Dollar cost when the model layer priced it; otherwise the runner prices it from the config. */
  costUsd?: number;
  retries: number;
  finishReason: string;
  /** Model calls made for this turn (a world-aware player may make several). */
  calls?: number;
}

/**
 * What produces the NPC's side of a bench session. The default wraps one chat model; a world-aware player (from
 * the world engine) implements the same interface, so the bench never needs to know how a turn was produced.
 * A player must be deterministic given (history, seed) over a recorded cassette, so resumed sessions replay.
 */
export interface Player {
  /** Stable id recorded on the run ("chat:openai:gpt-4.1-mini"). */
  readonly id: string;
  /** The model spec or name the run records as `player.spec`. */
  readonly spec: string;
  /** The id of the model it calls, used to price the budget's estimate (optional for composite players). */
  readonly modelId?: string;
  /** Settings recorded on the run (sampling parameters, prompt version and hash). */
  describe(): Record<string, unknown>;
  nextTurn(input: PlayerInput): Promise<PlayerTurn>;
}

/** Sampling parameters of one role. */
export interface SamplingParams {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
}

/** Version of the default player's prompt framing; bump when the text below changes. */
export const PLAYER_PROMPT_VERSION = "player-1";

const FRAMING: Readonly<Record<Lang, string>> = {
  en: "You are {ai}. Stay in character as {ai} throughout this role-play with {user}.\n\n{setting}",
  zh: "你是{ai}。在与{user}的这场角色扮演中，始终保持{ai}的身份。\n\n{setting}",
};

/** Hash of the default player's framing text, recorded on every run. */
export const PLAYER_PROMPT_HASH = stableHash({ PLAYER_PROMPT_VERSION, FRAMING }).slice(0, 16);

/**
 * The request the default player sends: the character card as the system message (named after the NPC), the
 * user's persona as MiniMax's `user_system` (other providers fold it into the system text), then the dialogue
 * with the NPC as assistant. The player never sees the simulator's instructions, personas or traps.
 */
export function buildPlayerMessages(scenario: Scenario, history: readonly Turn[]): ChatMessage[] {
  let system = framed.get(scenario);
  if (system === undefined) {
    // Replacer functions: names and the card's text may contain "$&" or "$'", which a replacement string expands.
    system = FRAMING[scenario.lang]
      .replaceAll("{ai}", () => scenario.aiName)
      .replaceAll("{user}", () => scenario.userName)
      .replace("{setting}", () => scenario.aiSetting);
    framed.set(scenario, system);
  }
  const messages: ChatMessage[] = [
    { role: "system", content: system, name: scenario.aiName },
    { role: "user_system", content: scenario.userSetting, name: scenario.userName },
  ];
  for (const turn of history) messages.push({ role: turn.role === "ai" ? "assistant" : "user", content: turn.text });
  return messages;
}

// The framed system text per scenario: a session sends it with every one of its fifty-odd NPC turns.
const framed = new WeakMap<Scenario, string>();

/** The default player: one chat model playing the NPC from the scenario's card. */
export function chatModelPlayer(model: ChatModel, params: SamplingParams = {}, spec: string = model.id): Player {
  return {
    id: `chat:${model.id}`,
    spec,
    modelId: model.id,
    describe: () => ({
      kind: "chat",
      model: model.id,
      ...params,
      promptVersion: PLAYER_PROMPT_VERSION,
      promptHash: PLAYER_PROMPT_HASH,
    }),
    async nextTurn(input) {
      const result = await model.chat(
        {
          messages: buildPlayerMessages(input.scenario, applyContextStrategy(input.history, input.context)),
          ...params,
        },
        {
          role: "player",
          seed: input.seed,
          runIndex: input.runIndex,
          ...(input.signal ? { signal: input.signal } : {}),
          ...(input.tags ? { tags: input.tags } : {}),
        },
      );
      return {
        text: result.text,
        model: result.model,
        latencyMs: result.latencyMs,
        usage: result.usage,
        ...(result.costUsd === undefined ? {} : { costUsd: result.costUsd }),
        retries: result.retries ?? 0,
        finishReason: result.finishReason,
        calls: 1,
      };
    },
  };
}
