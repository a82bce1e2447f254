import type { Flag } from "../../judge/flag.ts";
import { dimensionOf, SUBTYPE_NAMES, type Subtype } from "../../taxonomy.ts";
import type { InjectedFlaw, InjectedSession } from "./flaw-injection.ts";

/** Precision and recall for one subtype. */
export interface SubtypeScore {
  subtype: Subtype;
  injected: number;
  flagged: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** NaN when nothing was flagged. */
  precision: number;
  /** NaN when nothing was injected. */
  recall: number;
}

/** How far (in rounds) a flag may sit from the injected round and still count: drift is a trend, not a turn. */
export function roundTolerance(subtype: Subtype): number {
  return subtype === "length_drift" ? 4 : 0;
}

function matches(flag: Flag, flaw: InjectedFlaw, bySubtype: boolean): boolean {
  const same = bySubtype ? flag.subtype === flaw.subtype : flag.dimension === dimensionOf(flaw.subtype);
  return same && Math.abs(flag.round - flaw.round) <= roundTolerance(flaw.subtype);
}

/**
 * Score detector flags against the known flaws: a flag is a true positive when it has the injected subtype at the
 * injected round (length drift: within 4 rounds); any other flag of a subtype is a false positive for that subtype
 * — including flags on clean sessions and flags of one subtype set off by another subtype's injection.
 */
export function scoreDetections(
  sessions: readonly InjectedSession[],
  flagsOf: (session: InjectedSession) => readonly Flag[],
): SubtypeScore[] {
  const tally = new Map<Subtype, { injected: number; flagged: number; tp: number; fp: number; fn: number }>();
  const get = (s: Subtype) => {
    let t = tally.get(s);
    if (!t) {
      t = { injected: 0, flagged: 0, tp: 0, fp: 0, fn: 0 };
      tally.set(s, t);
    }
    return t;
  };
  for (const session of sessions) {
    const flags = flagsOf(session);
    const used = new Set<Flag>();
    for (const flaw of session.flaws) {
      const t = get(flaw.subtype);
      t.injected++;
      const hit = flags.find((f) => !used.has(f) && matches(f, flaw, true));
      if (hit) {
        used.add(hit);
        t.tp++;
      } else t.fn++;
    }
    for (const flag of flags) {
      const t = get(flag.subtype);
      t.flagged++;
      if (!used.has(flag)) t.fp++;
    }
  }
  return SUBTYPE_NAMES.filter((s) => tally.has(s)).map((subtype) => {
    const t = tally.get(subtype)!;
    return {
      subtype,
      injected: t.injected,
      flagged: t.flagged,
      truePositives: t.tp,
      falsePositives: t.fp,
      falseNegatives: t.fn,
      precision: t.tp + t.fp === 0 ? Number.NaN : t.tp / (t.tp + t.fp),
      recall: t.injected === 0 ? Number.NaN : t.tp / t.injected,
    };
  });
}

/** Judge recall: a flaw counts as found when a flag of its dimension cites its round. By subtype and by chunk. */
export interface JudgeRecall {
  bySubtype: Array<{ subtype: Subtype; injected: number; found: number; recall: number }>;
  byChunk: Array<{ chunk: number; injected: number; found: number; recall: number }>;
}

/**
 * Judge recall on the flaw-injection set, per injected subtype and per chunk position (0 = rounds 2–21 …). A judge
 * need not name the subtype the injector used — the dimension and round must match (speaking for the user filed as
 * a boundary problem still finds the flaw).
 */
export function judgeRecall(
  sessions: readonly InjectedSession[],
  flagsOf: (session: InjectedSession) => readonly Flag[],
  chunkTurns = 20,
): JudgeRecall {
  const bySubtype = new Map<Subtype, { injected: number; found: number }>();
  const byChunk = new Map<number, { injected: number; found: number }>();
  for (const session of sessions) {
    const flags = flagsOf(session);
    for (const flaw of session.flaws) {
      const found = flags.some((f) => matches(f, flaw, false));
      const chunk = Math.floor((flaw.round - 2) / chunkTurns);
      for (const [map, key] of [
        [bySubtype, flaw.subtype],
        [byChunk, chunk],
      ] as const) {
        const m = map as Map<unknown, { injected: number; found: number }>;
        const t = m.get(key) ?? { injected: 0, found: 0 };
        t.injected++;
        if (found) t.found++;
        m.set(key, t);
      }
    }
  }
  return {
    bySubtype: [...bySubtype].map(([subtype, t]) => ({ subtype, ...t, recall: t.found / t.injected })),
    byChunk: [...byChunk]
      .sort((a, b) => a[0] - b[0])
      .map(([chunk, t]) => ({ chunk, ...t, recall: t.found / t.injected })),
  };
}
