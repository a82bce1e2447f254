import type { Flag } from "../judge/flag.ts";
import {
  CATEGORIES,
  CATEGORY_DIMENSIONS,
  CATEGORY_WEIGHTS,
  type Category,
  DIMENSIONS,
  type Dimension,
} from "../taxonomy.ts";
import type { ScoringConfig } from "./scoring-config.ts";

export type DimensionScores = Record<Dimension, number>;
export type CategoryScores = Record<Category, number>;

/** Scores of one unit (chunk, session, model) at every level of the taxonomy, all on 0–100. */
export interface ScoreCard {
  dimensions: DimensionScores;
  categories: CategoryScores;
  overall: number;
}

/** The flags a scoring config lets deduct points (verified only, judge only, unless configured otherwise). */
export function countableFlags(flags: readonly Flag[], config: ScoringConfig): Flag[] {
  return flags.filter(
    (f) => (f.verified || config.includeUnverified) && (f.source === "judge" || config.detectorFlags === "score"),
  );
}

/** Severity-weighted flag mass per dimension. */
export function flagMass(flags: readonly Flag[], config: ScoringConfig): DimensionScores {
  const mass = zeroScores();
  for (const flag of countableFlags(flags, config)) mass[flag.dimension] += config.severityWeights[`${flag.severity}`];
  return mass;
}

/** Dimension scores of one chunk with `npcTurns` scored NPC turns, by severity-weighted deduction with allowance. */
export function scoreChunk(flags: readonly Flag[], npcTurns: number, config: ScoringConfig): DimensionScores {
  const mass = flagMass(flags, config);
  const allowance = config.allowancePerTurn * npcTurns;
  const scores = zeroScores();
  for (const d of DIMENSIONS) scores[d] = clamp(100 - config.pointsPerUnit * Math.max(0, mass[d] - allowance));
  return scores;
}

/** Category and overall scores from dimension scores, with the config's within-category weights. */
export function combineDimensions(dimensions: DimensionScores, config: ScoringConfig): ScoreCard {
  const categories = {} as CategoryScores;
  for (const category of CATEGORIES) {
    const dims = CATEGORY_DIMENSIONS[category];
    const total = dims.reduce((s, d) => s + config.dimensionWeights[d], 0);
    // All-zero weights would divide by zero; fall back to equal weights rather than inventing a score.
    categories[category] =
      total > 0
        ? dims.reduce((s, d) => s + config.dimensionWeights[d] * dimensions[d], 0) / total
        : dims.reduce((s, d) => s + dimensions[d], 0) / dims.length;
  }
  const overall = CATEGORIES.reduce((s, c) => s + CATEGORY_WEIGHTS[c] * categories[c], 0);
  return { dimensions: { ...dimensions }, categories, overall };
}

/** One judged chunk as scoring sees it. */
export interface ScorableChunk {
  flags: readonly Flag[];
  npcTurns: number;
}

/** A session's score: the NPC-turn-weighted mean of its chunks' dimension scores, then combined. */
export function scoreSession(
  chunks: readonly ScorableChunk[],
  config: ScoringConfig,
): { card: ScoreCard; chunks: DimensionScores[] } | undefined {
  const scored = chunks.filter((c) => c.npcTurns > 0);
  if (scored.length === 0) return undefined;
  const perChunk = scored.map((c) => scoreChunk(c.flags, c.npcTurns, config));
  const weights = scored.map((c) => c.npcTurns);
  return { card: combineDimensions(weightedMeanScores(perChunk, weights), config), chunks: perChunk };
}

/** Weighted mean of several dimension-score sets (equal weights when none are given). */
export function weightedMeanScores(sets: readonly DimensionScores[], weights?: readonly number[]): DimensionScores {
  const out = zeroScores();
  const w = weights ?? sets.map(() => 1);
  const total = w.reduce((s, x) => s + x, 0);
  if (sets.length === 0 || total <= 0) throw new Error("weightedMeanScores needs at least one weighted set");
  for (const d of DIMENSIONS) out[d] = sets.reduce((s, set, i) => s + set[d] * (w[i] ?? 0), 0) / total;
  return out;
}

/** A score card as a flat map (overall, categories, dimensions) for tables, bootstrap and JSON output. */
export function flattenScoreCard(card: ScoreCard): Record<string, number> {
  return { overall: card.overall, ...card.categories, ...card.dimensions };
}

/** All-zero dimension scores. */
export function zeroScores(): DimensionScores {
  return Object.fromEntries(DIMENSIONS.map((d) => [d, 0])) as DimensionScores;
}

function clamp(x: number): number {
  return Math.min(100, Math.max(0, x));
}
