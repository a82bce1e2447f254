import * as z from "zod";
import { DIMENSIONS, type Dimension, type Subtype } from "../taxonomy.ts";
import type { Flag } from "./flag.ts";

/** How a panel turns its judges' flags into one set: a flag stands if a majority, any, or every judge raised it. */
export const PanelPolicySchema = z.enum(["majority", "union", "intersection"]);
export type PanelPolicy = z.infer<typeof PanelPolicySchema>;

/**
 * The panel policy: one for every dimension, optionally overridden per dimension (union where recall matters,
 * intersection where precision does).
 */
export const PanelConfigSchema = z.strictObject({
  policy: PanelPolicySchema.default("majority"),
  perDimension: z.partialRecord(z.enum(DIMENSIONS), PanelPolicySchema).default({}),
});
export type PanelConfig = z.infer<typeof PanelConfigSchema>;

export const DEFAULT_PANEL: PanelConfig = { policy: "majority", perDimension: {} };

/** The policy that applies to one dimension. */
export function policyFor(config: PanelConfig, dimension: Dimension): PanelPolicy {
  return config.perDimension[dimension] ?? config.policy;
}

/** Two judges agree on a flag when they flag the same dimension at the same round; subtypes may differ. */
export function flagKey(flag: Pick<Flag, "dimension" | "round">): string {
  return `${flag.dimension}@${flag.round}`;
}

/**
 * Aggregate one chunk's flags from the judges that judged it (`perJudge[j]` = judge j's flags; a judge that failed
 * on the chunk is left out, so J counts only judges that answered). Only eligible flags vote (verified ones, or
 * all when `includeUnverified`). A standing flag keeps the median severity of its voters, their most common
 * subtype, and the wording of the first voter with that severity; `support` records the vote count.
 */
export function aggregatePanel(
  perJudge: ReadonlyArray<readonly Flag[]>,
  config: PanelConfig = DEFAULT_PANEL,
  includeUnverified = false,
): Flag[] {
  const judges = perJudge.length;
  if (judges === 0) return [];
  const clusters = new Map<string, Array<{ judge: number; flag: Flag }>>();
  perJudge.forEach((flags, judge) => {
    const seen = new Set<string>();
    for (const flag of flags) {
      if (!flag.verified && !includeUnverified) continue;
      const key = flagKey(flag);
      // A judge votes once per key; its first (usually most salient) flag there speaks for it.
      if (seen.has(key)) continue;
      seen.add(key);
      const list = clusters.get(key) ?? [];
      list.push({ judge, flag });
      clusters.set(key, list);
    }
  });
  const out: Flag[] = [];
  for (const voters of clusters.values()) {
    const first = voters[0]!.flag;
    const votes = voters.length;
    const policy = policyFor(config, first.dimension);
    const stands = policy === "union" ? votes >= 1 : policy === "intersection" ? votes === judges : votes * 2 > judges;
    if (!stands) continue;
    if (judges === 1) {
      out.push(first);
      continue;
    }
    const severities = voters.map((v) => v.flag.severity).sort((a, b) => a - b);
    const severity = severities[Math.floor((severities.length - 1) / 2)]!;
    const subtype = mostCommon(voters.map((v) => v.flag.subtype));
    const wording = voters.find((v) => v.flag.severity === severity && v.flag.subtype === subtype)?.flag ?? first;
    out.push({ ...wording, subtype, severity, support: votes });
  }
  return out.sort((a, b) => a.round - b.round || a.dimension.localeCompare(b.dimension));
}

function mostCommon(values: Subtype[]): Subtype {
  const counts = new Map<Subtype, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = values[0]!;
  for (const v of values) if ((counts.get(v) ?? 0) > (counts.get(best) ?? 0)) best = v;
  return best;
}
