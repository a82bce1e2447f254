import type { Price } from "../core/index.ts";
import { type ContextStrategy, windowTurns } from "./context-strategy.ts";
import type { Lang, Scenario } from "./scenario.ts";

/** Typical reply lengths the estimate assumes when it has no committed turns to learn from. */
export const DEFAULT_REPLY_TOKENS = { player: 150, "user-sim": 40 } as const;

/** Rough tokens of text: about 4 characters per token in English, about 1.3 per token in Chinese. */
export function roughTokens(text: string, lang: Lang): number {
  return Math.ceil(text.length / (lang === "zh" ? 1.3 : 4));
}

export interface EstimateInput {
  scenarios: readonly Scenario[];
  runs: number;
  turns: number;
  /** Rounds already committed per (scenario id, run index); absent means none. */
  committed?: (scenarioId: string, runIndex: number) => number;
  playerMaxTokens: number;
  userMaxTokens: number;
  /** Average completion tokens per role, when known from committed turns. */
  replyTokens?: { player: number; "user-sim": number };
  seesCard: boolean;
  /** Simulator history window (turns), when set. */
  historyTurns?: number;
  /** What of the history the player is sent (default "full"). */
  contextStrategy?: ContextStrategy;
  price: { player?: Price | undefined; "user-sim"?: Price | undefined };
}

/** Calls, tokens and cost of one role. `costUsd` is undefined when the role's model has no price. */
export interface RoleEstimate {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number | undefined;
}

export interface RunEstimate {
  sessions: number;
  generatedTurns: number;
  player: RoleEstimate;
  "user-sim": RoleEstimate;
  totalCostUsd: number | undefined;
  /** The reply lengths assumed, and whether they were measured. */
  assumptions: { playerReplyTokens: number; userReplyTokens: number; measured: boolean };
  /**
   * The largest prompt one call of each role sends (a session's last turn, on its longest scenario), in tokens,
   * plus the output it may ask for: what must fit the model's context. 0 when the role makes no call.
   */
  largestCall: { player: LargestCall; "user-sim": LargestCall };
}

/** The biggest single call of a role: its prompt, its output allowance, and on which scenario. */
export interface LargestCall {
  promptTokens: number;
  maxTokens: number;
  scenarioId?: string;
}

// Fixed text around the settings: the player's framing, the simulator's rules (see simulator-prompt.ts).
const PLAYER_FRAME_TOKENS = 40;
const SIMULATOR_FRAME_TOKENS = 220;
// Simulator QA sends a few drafts back; budget for it rather than under-estimate.
const REGENERATION_SHARE = 0.05;

/**
 * Estimate the calls, tokens and cost of the rounds still to generate. Each call sends the whole history, so
 * prompt tokens grow quadratically with the number of turns; this sums them round by round.
 */
export function estimateRun(input: EstimateInput): RunEstimate {
  const measured = input.replyTokens !== undefined;
  const p = Math.min(input.replyTokens?.player ?? DEFAULT_REPLY_TOKENS.player, input.playerMaxTokens);
  const u = Math.min(input.replyTokens?.["user-sim"] ?? DEFAULT_REPLY_TOKENS["user-sim"], input.userMaxTokens);
  const role = (): RoleEstimate => ({ calls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 });
  const player = role();
  const user = role();
  let sessions = 0;
  let generated = 0;
  const target = input.turns + 2;
  const window = input.contextStrategy ? windowTurns(input.contextStrategy) : undefined;
  const largest = {
    player: { promptTokens: 0, maxTokens: input.playerMaxTokens } as LargestCall,
    "user-sim": { promptTokens: 0, maxTokens: input.userMaxTokens } as LargestCall,
  };
  const note = (role: "player" | "user-sim", tokens: number, scenarioId: string) => {
    if (tokens > largest[role].promptTokens) largest[role] = { ...largest[role], promptTokens: tokens, scenarioId };
  };
  for (const s of input.scenarios) {
    const lang = s.lang;
    const playerSystem = PLAYER_FRAME_TOKENS + roughTokens(s.aiSetting, lang) + roughTokens(s.userSetting, lang);
    const userSystem =
      SIMULATOR_FRAME_TOKENS + roughTokens(s.userSetting, lang) + (input.seesCard ? roughTokens(s.aiSetting, lang) : 0);
    const opening = [roughTokens(s.aiPrologue, lang), roughTokens(s.initialUserInput, lang)];
    for (let k = 1; k <= input.runs; k++) {
      const from = Math.max(2, input.committed?.(s.id, k) ?? 0);
      if (from >= target) continue;
      sessions++;
      // Token length of each round, to sum histories.
      const lengths: number[] = [...opening];
      for (let r = 2; r < target; r++) lengths.push(r % 2 === 0 ? p : u);
      let history = 0;
      for (let r = 0; r < target; r++) {
        if (r >= from) {
          generated++;
          if (r % 2 === 0) {
            const sent =
              window === undefined || r <= 2 + window
                ? history
                : (lengths[0] as number) +
                  (lengths[1] as number) +
                  lengths.slice(r - window, r).reduce((a, b) => a + b, 0);
            player.calls++;
            player.promptTokens += playerSystem + sent;
            player.completionTokens += p;
            note("player", playerSystem + sent, s.id);
          } else {
            const seen =
              input.historyTurns === undefined
                ? history
                : lengths.slice(Math.max(0, r - input.historyTurns), r).reduce((a, b) => a + b, 0);
            user.calls += 1 + REGENERATION_SHARE;
            user.promptTokens += (userSystem + seen) * (1 + REGENERATION_SHARE);
            user.completionTokens += u * (1 + REGENERATION_SHARE);
            note("user-sim", userSystem + seen, s.id);
          }
        }
        history += lengths[r] as number;
      }
    }
  }
  const price = (e: RoleEstimate, pr: Price | undefined): RoleEstimate => ({
    calls: Math.round(e.calls),
    promptTokens: Math.round(e.promptTokens),
    completionTokens: Math.round(e.completionTokens),
    costUsd: pr ? (e.promptTokens * pr.input + e.completionTokens * pr.output) / 1e6 : undefined,
  });
  const pe = price(player, input.price.player);
  const ue = price(user, input.price["user-sim"]);
  return {
    sessions,
    generatedTurns: generated,
    player: pe,
    "user-sim": ue,
    totalCostUsd: pe.costUsd === undefined || ue.costUsd === undefined ? undefined : pe.costUsd + ue.costUsd,
    assumptions: { playerReplyTokens: p, userReplyTokens: u, measured },
    largestCall: { player: largest.player, "user-sim": largest["user-sim"] },
  };
}
