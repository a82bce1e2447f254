import type { Flag } from "../judge/flag.ts";

/**
 * When the report warns that the judge missed what the detectors saw: at least this share of generated NPC turns
 * (and at least `minTurns` of them) carry a detector flag but no scored judge flag. A judge that flags nothing on a
 * tiny model's gibberish yields 100.0 while detector flags are only reported; 10% of turns is far above what the
 * detectors raise on clean transcripts, so crossing it says the score may not be trusted.
 */
export const DETECTOR_DISAGREEMENT_THRESHOLD = { share: 0.1, minTurns: 3 } as const;

/** How many generated NPC turns the detectors flagged while the judge did not. */
export interface DetectorDisagreement {
  /** Generated NPC turns (round ≥ 2) over all sessions. */
  npcTurns: number;
  /** Of those, turns with a detector flag and no scored (standing) judge flag. */
  detectorOnlyTurns: number;
  /** detectorOnlyTurns / npcTurns (0 with no turns). */
  share: number;
  /** Whether the share crosses DETECTOR_DISAGREEMENT_THRESHOLD. */
  exceeds: boolean;
}

/** One session's input: its turns, its scored judge flags, its detector flags. */
export interface DisagreementSession {
  turns: ReadonlyArray<{ role: "ai" | "user"; round: number }>;
  judgeFlags: readonly Pick<Flag, "round">[];
  detectorFlags: readonly Pick<Flag, "round">[];
}

/** Count generated NPC turns that detectors flagged and the judge did not, over a model's sessions. */
export function detectorDisagreement(
  sessions: readonly DisagreementSession[],
  threshold: { share: number; minTurns: number } = DETECTOR_DISAGREEMENT_THRESHOLD,
): DetectorDisagreement {
  let npcTurns = 0;
  let detectorOnlyTurns = 0;
  for (const s of sessions) {
    const npc = new Set(s.turns.filter((t) => t.role === "ai" && t.round >= 2).map((t) => t.round));
    npcTurns += npc.size;
    const judged = new Set(s.judgeFlags.map((f) => f.round));
    const detected = new Set(s.detectorFlags.map((f) => f.round).filter((r) => npc.has(r) && !judged.has(r)));
    detectorOnlyTurns += detected.size;
  }
  const share = npcTurns > 0 ? detectorOnlyTurns / npcTurns : 0;
  return {
    npcTurns,
    detectorOnlyTurns,
    share,
    exceeds: detectorOnlyTurns >= threshold.minTurns && share >= threshold.share,
  };
}
