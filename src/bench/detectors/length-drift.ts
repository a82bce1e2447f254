import type { Flag } from "../judge/flag.ts";
import { type Detector, detectorFlag } from "./detector.ts";

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Length drift (context bloat): replies grow far beyond their early length and stay there. The baseline is the
 * median length of the first 5 generated NPC replies; the flag goes on the first reply that is at least 3× the
 * baseline (and at least 300 characters longer in en, 100 in zh) when the next two replies are too — a single long
 * reply is not drift. One flag per session.
 */
export const lengthDriftDetector: Detector = {
  name: "length-drift",
  subtypes: ["length_drift"],
  detect(input) {
    const npc = input.npc;
    if (npc.length < 8) return [];
    const lengths = npc.map((t) => t.text.length);
    const base = Math.max(1, median(lengths.slice(0, 5)));
    const extra = input.lang.startsWith("zh") ? 100 : 300;
    const long = (i: number) => lengths[i]! >= 3 * base && lengths[i]! >= base + extra;
    for (let i = 5; i + 2 < npc.length; i++) {
      if (long(i) && long(i + 1) && long(i + 2)) {
        const turn = npc[i]!;
        const flag: Flag = detectorFlag(
          "length-drift",
          "length_drift",
          turn,
          turn.text.slice(0, 60),
          1,
          `replies grow to ${(lengths[i]! / base).toFixed(1)}× their early length (${Math.round(base)} characters) and stay there`,
        );
        return [flag];
      }
    }
    return [];
  },
};
