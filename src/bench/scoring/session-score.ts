import type { ChunkJudgement } from "../judge/chunk-judgement.ts";
import type { Flag } from "../judge/flag.ts";
import { aggregatePanel, DEFAULT_PANEL, flagKey, type PanelConfig } from "../judge/panel.ts";
import { type DimensionScores, type ScoreCard, scoreChunk, scoreSession } from "./deduction.ts";
import type { ScoringConfig } from "./scoring-config.ts";

/** One chunk after the panel: the flags that stand and the chunk's dimension scores. */
export interface ScoredChunk {
  index: number;
  firstRound: number;
  lastRound: number;
  npcTurns: number;
  scoredRounds: number[];
  /** Judges that answered for this chunk (a chunk no judge answered is not scored). */
  judgesOk: number;
  /** Flags that stand under the panel policy (eligible flags only). */
  consensus: Flag[];
  /** Every judge's own flags, verified or not (for the report and agreement). */
  all: Flag[];
  scores: DimensionScores | undefined;
}

/** A session's scores under one panel and scoring config. */
export interface SessionScore {
  key: string;
  seedId: string;
  modelName: string;
  runId: string;
  lang: string | undefined;
  chunks: ScoredChunk[];
  /** Every judge's own chunk verdicts (`byJudge[j][c]`), for agreement and the report. */
  byJudge: ReadonlyArray<readonly ChunkJudgement[]>;
  /** Undefined when no chunk could be judged. */
  card: ScoreCard | undefined;
  /** Each judge scored alone (for the judge share of the variance and judge-vs-judge comparisons). */
  perJudge: Record<string, ScoreCard | undefined>;
  failedChunks: number;
  judgeCostUsd: number;
  judgePromptTokens: number;
  judgeCompletionTokens: number;
}

/** Identity of the session being scored. */
export interface SessionIdentity {
  key: string;
  seedId: string;
  modelName: string;
  runId: string;
  lang?: string | undefined;
}

/**
 * Score one session from its judges' chunk verdicts: per chunk, the panel policy picks the standing flags among
 * the judges that answered, and deduction turns them into dimension scores; the session aggregates its chunks.
 * `byJudge[j][c]` is judge j on chunk c, as `judgeSession` returns it.
 */
export function scoreJudgedSession(
  identity: SessionIdentity,
  byJudge: ReadonlyArray<readonly ChunkJudgement[]>,
  scoring: ScoringConfig,
  panel: PanelConfig = DEFAULT_PANEL,
  detectorFlags: readonly Flag[] = [],
): SessionScore {
  const chunkCount = Math.max(0, ...byJudge.map((j) => j.length));
  const chunks: ScoredChunk[] = [];
  let failedChunks = 0;
  for (let c = 0; c < chunkCount; c++) {
    const verdicts = byJudge.map((j) => j[c]).filter((v): v is ChunkJudgement => v !== undefined);
    const ok = verdicts.filter((v) => v.status === "ok");
    failedChunks += verdicts.length - ok.length;
    const first = verdicts[0]!;
    const inChunk = detectorFlags.filter((f) => f.round >= first.firstRound && f.round <= first.lastRound);
    const standing = aggregatePanel(
      ok.map((v) => v.flags),
      panel,
      scoring.includeUnverified,
    );
    // A detector flag where the judges already stand on the same dimension and round adds nothing (no double count).
    const judged = new Set(standing.map(flagKey));
    const consensus = [...standing, ...inChunk.filter((f) => !judged.has(flagKey(f)))];
    chunks.push({
      index: first.chunkIndex,
      firstRound: first.firstRound,
      lastRound: first.lastRound,
      npcTurns: first.npcTurns,
      scoredRounds: first.scoredRounds,
      judgesOk: ok.length,
      consensus,
      all: [...verdicts.flatMap((v) => v.flags), ...inChunk],
      scores: ok.length > 0 ? scoreChunk(consensus, first.npcTurns, scoring) : undefined,
    });
  }
  const scorable = chunks.filter((c) => c.judgesOk > 0);
  const card = scoreSession(
    scorable.map((c) => ({ flags: c.consensus, npcTurns: c.npcTurns })),
    scoring,
  )?.card;
  const perJudge: Record<string, ScoreCard | undefined> = {};
  for (const verdicts of byJudge) {
    const judge = verdicts[0]?.judge;
    if (!judge) continue;
    const ok = verdicts.filter((v) => v.status === "ok");
    perJudge[judge] = scoreSession(
      ok.map((v) => ({ flags: v.flags, npcTurns: v.npcTurns })),
      scoring,
    )?.card;
  }
  const all = byJudge.flat();
  return {
    key: identity.key,
    seedId: identity.seedId,
    modelName: identity.modelName,
    runId: identity.runId,
    lang: identity.lang,
    chunks,
    byJudge,
    card,
    perJudge,
    failedChunks,
    judgeCostUsd: all.reduce((s, v) => s + v.costUsd, 0),
    judgePromptTokens: all.reduce((s, v) => s + v.promptTokens, 0),
    judgeCompletionTokens: all.reduce((s, v) => s + v.completionTokens, 0),
  };
}
