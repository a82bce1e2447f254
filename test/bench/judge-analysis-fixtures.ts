// Judged sessions built directly from chunk verdicts, for the statistics, gate and calibration tests.
import type { ChunkJudgement } from "../../src/bench/judge/chunk-judgement.ts";
import { DEFAULT_SCORING } from "../../src/bench/scoring/scoring-config.ts";
import { type SessionScore, scoreJudgedSession } from "../../src/bench/scoring/session-score.ts";
import { flag } from "./judge-fixtures.ts";

/** A verdict on one 10-NPC-turn chunk with `severities` interaction flags (each at its own round). */
export function verdict(judge: string, index: number, severities: readonly number[]): ChunkJudgement {
  const first = 2 + index * 20;
  return {
    status: "ok",
    judge,
    chunkIndex: index,
    firstRound: first,
    lastRound: first + 19,
    npcTurns: 10,
    scoredRounds: Array.from({ length: 10 }, (_, i) => first + 2 * i),
    flags: severities.map((s, i) => flag({ round: first + 2 * i, severity: s as 1 | 2 | 3, by: judge })),
    rejected: [],
    ledgerAdded: [],
    ledgerAfter: [],
    promptTokens: 100,
    completionTokens: 10,
    costUsd: 0.001,
    latencyMs: 1,
  };
}

/** A judged session of `chunks` chunks; `severities(c)` gives chunk c's flags, per judge. */
export function judgedSession(
  model: string,
  seed: string,
  run: string,
  lang: string,
  perJudge: Record<string, (chunk: number) => number[]>,
  chunks = 5,
): SessionScore {
  const byJudge = Object.entries(perJudge).map(([judge, sev]) =>
    Array.from({ length: chunks }, (_, c) => verdict(judge, c, sev(c))),
  );
  return scoreJudgedSession(
    { key: `${model}/${seed}/${run}`, seedId: seed, modelName: model, runId: run, lang },
    byJudge,
    DEFAULT_SCORING,
  );
}
