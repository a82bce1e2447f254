import type { Flag } from "../judge/flag.ts";
import type { QuotableTurn } from "../judge/quote-check.ts";

/** One 10-turn bucket of the long-horizon curve. */
export interface HorizonBucket {
  /** 0 = generated turns 1–10 (rounds 2–11), 1 = turns 11–20, … */
  bucket: number;
  firstTurn: number;
  lastTurn: number;
  npcTurns: number;
  /** Standing judge flags per NPC turn. */
  judgeFlagsPerTurn: number;
  /** Detector flags per NPC turn. */
  detectorFlagsPerTurn: number;
  /** Mean NPC reply length in characters. */
  meanLength: number;
}

/** What the curve needs of a session. */
export interface HorizonSession {
  turns: readonly QuotableTurn[];
  judgeFlags: readonly Flag[];
  detectorFlags: readonly Flag[];
}

/**
 * The long-horizon curve ("the turn-20 wall"): per bucket of `size` generated turns, flags per NPC turn (judge and
 * detector separately) and mean reply length, pooled over sessions. Scripted rounds 0–1 are outside every bucket.
 */
export function longHorizonCurve(sessions: readonly HorizonSession[], size = 10): HorizonBucket[] {
  const acc = new Map<number, { turns: number; judge: number; detector: number; chars: number }>();
  const bucketOf = (round: number) => Math.floor((round - 2) / size);
  const get = (b: number) => {
    let x = acc.get(b);
    if (!x) {
      x = { turns: 0, judge: 0, detector: 0, chars: 0 };
      acc.set(b, x);
    }
    return x;
  };
  for (const s of sessions) {
    for (const t of s.turns) {
      if (t.role !== "ai" || t.round < 2) continue;
      const x = get(bucketOf(t.round));
      x.turns++;
      x.chars += [...t.text].length;
    }
    for (const f of s.judgeFlags) if (f.round >= 2) get(bucketOf(f.round)).judge++;
    for (const f of s.detectorFlags) if (f.round >= 2) get(bucketOf(f.round)).detector++;
  }
  return [...acc]
    .filter(([, x]) => x.turns > 0)
    .sort((a, b) => a[0] - b[0])
    .map(([bucket, x]) => ({
      bucket,
      firstTurn: bucket * size + 1,
      lastTurn: (bucket + 1) * size,
      npcTurns: x.turns,
      judgeFlagsPerTurn: x.judge / x.turns,
      detectorFlagsPerTurn: x.detector / x.turns,
      meanLength: x.chars / x.turns,
    }));
}
