import type { TurnMetrics } from "../../text/index.ts";
import type { Flag, Severity } from "../judge/flag.ts";
import type { QuotableTurn } from "../judge/quote-check.ts";
import { dimensionOf, type Subtype } from "../taxonomy.ts";

/** What a detector sees: one session's turns and the little it needs to know about the scenario. */
export interface DetectorInput {
  /**
   * Scenario language ("en", "zh"); other values are treated like en for word rules. Unknown (undefined or empty):
   * inferred from the dialogue's own text (see dialogue-language.ts), never assumed to be English.
   */
  lang?: string | undefined;
  aiName: string;
  userName: string;
  /** The NPC's card, when known (a character who *is* an AI may say so). */
  aiSetting?: string | undefined;
  /** A group scene's cast names (2–4), when the scenario has one. */
  cast?: readonly string[] | undefined;
  turns: readonly QuotableTurn[];
}

/** What each detector receives: the input plus the generated NPC turns and their text metrics, computed once. */
export interface DetectorContext extends Omit<DetectorInput, "lang"> {
  /** The scenario language as given, or as inferred from the dialogue when not given. */
  lang: string;
  /** Generated NPC turns (round ≥ 2), in order. */
  npc: QuotableTurn[];
  /**
   * `metrics[i]` = text metrics of `npc[i]` (one streaming pass of src/text over the NPC's turns); its `tokenIds`
   * are the turn's tokens as small integers, one numbering per session (for hashed n-gram counting).
   */
  metrics: TurnMetrics[];
  /** `count` src/text tokens of `npc[i]` from token `from` (lowercased words; one per Han character), for quoting. */
  tokens(i: number, from: number, count: number): string[];
}

/** A rule-based check over a whole session that emits flags in the judge's shape. */
export interface Detector {
  /** Stable name, recorded as the flag's `by`. */
  name: string;
  /** Subtypes it can raise. */
  subtypes: readonly Subtype[];
  detect(context: DetectorContext): Flag[];
}

/** The NPC turns a detector may flag: generated ones only (the scripted prologue is the scenario's, not the model's). */
export function scoredNpcTurns(turns: readonly QuotableTurn[]): QuotableTurn[] {
  return turns.filter((t) => t.role === "ai" && t.round >= 2);
}

const MAX_QUOTE = 120;

/**
 * Build a detector flag. The quote is always a verbatim slice of the turn (clipped to 120 characters), so detector
 * flags are verified by construction.
 */
export function detectorFlag(
  by: string,
  subtype: Subtype,
  turn: QuotableTurn,
  quote: string,
  severity: Severity,
  reason: string,
): Flag {
  let q = quote.trim();
  if (q.length > MAX_QUOTE) q = q.slice(0, MAX_QUOTE).trim();
  if (!q || !turn.text.includes(q)) q = turn.text.trim().slice(0, MAX_QUOTE).trim() || turn.text;
  return {
    dimension: dimensionOf(subtype),
    subtype,
    round: turn.round,
    quote: q,
    severity,
    reason,
    source: "detector",
    verified: true,
    verification: "ok",
    by,
  };
}

/** Escape a literal for use inside a RegExp. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
