import { type Interval, percentileBootstrap, wilsonInterval } from "../../stats/index.ts";
import type { Flag } from "../judge/flag.ts";
import {
  FACT_DISTANCES,
  JUDGE_FLAW_INFO,
  JUDGE_FLAW_KINDS,
  type JudgeFlaw,
  type JudgeFlawKind,
  type JudgeFlawSession,
} from "./judge-flaws.ts";

/** Found out of injected, with a 95% Wilson interval (undefined when nothing was injected). */
export interface RecallCell {
  injected: number;
  found: number;
  recall: number;
  interval: Interval | undefined;
}

/** False flags on clean sessions: every standing flag there is false, by construction. */
export interface FalseFlagRate {
  cleanSessions: number;
  cleanChunks: number;
  flags: number;
  /** Flags per clean chunk, with a 95% percentile-bootstrap interval over sessions (chunks of one session move together). */
  perChunk: number;
  interval: Interval | undefined;
  /** Clean chunks with at least one flag, with a 95% Wilson interval. */
  chunksFlagged: number;
  flaggedShare: Interval | undefined;
}

/** The judge-level calibration of one judge (or panel) under one setting. */
export interface JudgeFlawRecall {
  byKind: Array<{ kind: JudgeFlawKind } & RecallCell>;
  /** Fact contradictions only, by turns between the fact and its contradiction. */
  byDistance: Array<{ distance: number } & RecallCell>;
  /** Every flaw by the chunk its first round falls in (0 = rounds 2–21 …). */
  byChunk: Array<{ chunk: number } & RecallCell>;
  overall: RecallCell;
  falseFlags: FalseFlagRate;
}

/** True when a flag finds the flaw: a dimension the kind accepts, at a round the flaw covers. */
export function flagFindsFlaw(flag: Flag, flaw: JudgeFlaw): boolean {
  return (
    JUDGE_FLAW_INFO[flaw.kind].accepts.includes(flag.dimension) &&
    flag.round >= flaw.round &&
    flag.round <= flaw.lastRound
  );
}

function cell(injected: number, found: number): RecallCell {
  return {
    injected,
    found,
    recall: injected === 0 ? Number.NaN : found / injected,
    interval: injected === 0 ? undefined : wilsonInterval(found, injected),
  };
}

/**
 * Recall of judge-level flaws and false flags on clean sessions. `flagsOf` gives a session's standing flags (the
 * panel's, after verification); `chunksOf` its number of judged chunks. Recall counts a flaw as found when any
 * standing flag finds it (`flagFindsFlaw`); false flags are every standing flag of a clean session.
 */
export function judgeFlawRecall(
  sessions: readonly JudgeFlawSession[],
  flagsOf: (session: JudgeFlawSession) => readonly Flag[],
  chunksOf: (session: JudgeFlawSession) => number,
  options: { chunkTurns?: number; seed?: string } = {},
): JudgeFlawRecall {
  const chunkTurns = options.chunkTurns ?? 20;
  const tally = new Map<string, { injected: number; found: number }>();
  const add = (key: string, found: boolean) => {
    const t = tally.get(key) ?? { injected: 0, found: 0 };
    t.injected++;
    if (found) t.found++;
    tally.set(key, t);
  };
  const clean: { flags: number; chunks: number; flagged: number }[] = [];
  for (const session of sessions) {
    const flags = flagsOf(session);
    if (session.flaws.length === 0) {
      const chunks = chunksOf(session);
      const flaggedChunks = new Set(flags.map((f) => Math.floor((Math.max(2, f.round) - 2) / chunkTurns)));
      clean.push({ flags: flags.length, chunks, flagged: Math.min(chunks, flaggedChunks.size) });
      continue;
    }
    for (const flaw of session.flaws) {
      const found = flags.some((f) => flagFindsFlaw(f, flaw));
      add(`kind:${flaw.kind}`, found);
      add("all", found);
      add(`chunk:${Math.floor((flaw.round - 2) / chunkTurns)}`, found);
      if (flaw.distance !== undefined) add(`distance:${flaw.distance}`, found);
    }
  }
  const get = (key: string) => {
    const t = tally.get(key);
    return t ? cell(t.injected, t.found) : undefined;
  };
  const chunks = [...tally.keys()]
    .filter((k) => k.startsWith("chunk:"))
    .map((k) => Number(k.slice(6)))
    .sort((a, b) => a - b);
  const cleanChunks = clean.reduce((s, c) => s + c.chunks, 0);
  const cleanFlags = clean.reduce((s, c) => s + c.flags, 0);
  const chunksFlagged = clean.reduce((s, c) => s + c.flagged, 0);
  const interval =
    clean.length > 0 && cleanChunks > 0
      ? percentileBootstrap(
          clean.map((_, i) => i),
          {
            seed: options.seed ?? "judge-flaw-recall",
            statistic: (sample) => {
              let f = 0;
              let c = 0;
              for (const i of sample) {
                f += clean[i]!.flags;
                c += clean[i]!.chunks;
              }
              return c === 0 ? 0 : f / c;
            },
          },
        )
      : undefined;
  return {
    byKind: JUDGE_FLAW_KINDS.flatMap((kind) => {
      const c = get(`kind:${kind}`);
      return c ? [{ kind, ...c }] : [];
    }),
    byDistance: FACT_DISTANCES.flatMap((distance) => {
      const c = get(`distance:${distance}`);
      return c ? [{ distance, ...c }] : [];
    }),
    byChunk: chunks.map((chunk) => ({ chunk, ...get(`chunk:${chunk}`)! })),
    overall: get("all") ?? cell(0, 0),
    falseFlags: {
      cleanSessions: clean.length,
      cleanChunks,
      flags: cleanFlags,
      perChunk: cleanChunks === 0 ? Number.NaN : cleanFlags / cleanChunks,
      interval: interval
        ? { estimate: interval.estimate, lower: interval.lower, upper: interval.upper, confidence: interval.confidence }
        : undefined,
      chunksFlagged,
      flaggedShare: cleanChunks === 0 ? undefined : wilsonInterval(chunksFlagged, cleanChunks),
    },
  };
}
