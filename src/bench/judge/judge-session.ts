import { stableHash } from "../../core/index.ts";
import { type ChatMessage, type ChatModel, LlmError } from "../../llm/index.ts";
import { DEFAULT_LEDGER_LIMITS, type LedgerEntry, type LedgerLimits, mergeLedger } from "./canon-ledger.ts";
import type { ChunkJudgement, ChunkJudgementCache } from "./chunk-judgement.ts";
import { type Chunk, type ChunkingOptions, DEFAULT_CHUNKING, planChunks } from "./chunk-plan.ts";
import { verifyJudgeFlags } from "./flag-verify.ts";
import {
  DEFAULT_JUDGE_PROMPT_OPTIONS,
  type JudgeCard,
  type JudgePromptOptions,
  judgePromptHash,
  renderJudgeMessages,
} from "./judge-prompt.ts";
import { JudgeReplyParseError, type SalvagedReply } from "./judge-reply.ts";
import type { QuotableTurn } from "./quote-check.ts";

/** A dialogue ready to judge: official or ours, with the cards when known. */
export interface JudgeableSession {
  /** Unique within a judgement: `model/seed/run`. */
  key: string;
  seedId: string;
  modelName: string;
  runId: string;
  lang?: string | undefined;
  card?: JudgeCard | undefined;
  turns: readonly QuotableTurn[];
  /** Ids and specs of the models that wrote the dialogue, when known (troupe runs): for the judge-bias warnings. */
  writers?: { player: readonly string[]; simulator: readonly string[] } | undefined;
}

/** What one structured judge call returns. */
export interface JudgeCallResult {
  reply: SalvagedReply;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  latencyMs: number;
}

/**
 * Make one judge call. The default (`generateJudgeReply`) goes through the llm structured-output path; tests and
 * perf runs may pass their own. It throws a typed error when nothing usable came back.
 */
export type JudgeCall = (
  model: ChatModel,
  messages: ChatMessage[],
  options: { signal?: AbortSignal; tags: Record<string, string | number> },
) => Promise<JudgeCallResult>;

/** Sampling for judge calls: deterministic and long enough for a chunk's flags and ledger. */
export interface JudgeSampling {
  temperature: number;
  maxTokens: number;
}

export const DEFAULT_JUDGE_SAMPLING: JudgeSampling = { temperature: 0, maxTokens: 2048 };

/** Everything that shapes a judgement besides the judges themselves. */
export interface JudgeSettings {
  chunking: ChunkingOptions;
  prompt: JudgePromptOptions;
  ledger: LedgerLimits;
  /** Part of every cache key: the same messages sampled differently are a different judgement. */
  sampling: JudgeSampling;
}

export const DEFAULT_JUDGE_SETTINGS: JudgeSettings = {
  chunking: DEFAULT_CHUNKING,
  prompt: DEFAULT_JUDGE_PROMPT_OPTIONS,
  ledger: DEFAULT_LEDGER_LIMITS,
  sampling: DEFAULT_JUDGE_SAMPLING,
};

/** One session's judgement: per chunk, every judge's verdict (in judge order). */
export interface SessionJudgement {
  session: JudgeableSession;
  chunks: Chunk[];
  /** `byJudge[j][c]` = judge j on chunk c. */
  byJudge: ChunkJudgement[][];
  /** Chunks served from the cache (already judged in an earlier or interrupted run). */
  cachedChunks: number;
}

/** The cache key of one judge call: prompt hash, judge id, sampling, ledger limits and the exact messages. */
export function chunkCacheKey(judgeId: string, messages: readonly ChatMessage[], settings: JudgeSettings): string {
  return stableHash({
    prompt: judgePromptHash(settings.prompt),
    judge: judgeId,
    sampling: settings.sampling,
    ledger: settings.ledger,
    messages,
  });
}

/** Progress events while judging. */
export interface JudgeProgressEvent {
  sessionKey: string;
  judge: string;
  chunkIndex: number;
  cached: boolean;
  judgement: ChunkJudgement;
}

/**
 * Judge one session with every judge. Each judge walks the chunks in order, carrying its own canon ledger (so
 * judges stay independent and agreement between them means something); judges run concurrently. A chunk already
 * in the cache is not judged again, so an interrupted run resumes where it stopped and re-running is free. A
 * chunk whose call fails is recorded as failed (not cached) and the judge goes on with its ledger unchanged.
 */
export async function judgeSession(
  session: JudgeableSession,
  judges: readonly ChatModel[],
  call: JudgeCall,
  cache: ChunkJudgementCache,
  settings: JudgeSettings = DEFAULT_JUDGE_SETTINGS,
  hooks: { signal?: AbortSignal; onChunk?: (event: JudgeProgressEvent) => void; judgementId?: string } = {},
): Promise<SessionJudgement> {
  const chunks = planChunks(session.turns, settings.chunking);
  let cachedChunks = 0;
  const byJudge = await Promise.all(
    judges.map(async (judge) => {
      let ledger: LedgerEntry[] = [];
      const out: ChunkJudgement[] = [];
      for (const chunk of chunks) {
        hooks.signal?.throwIfAborted();
        const messages = renderJudgeMessages(session.card, chunk, ledger, settings.prompt);
        const key = chunkCacheKey(judge.id, messages, settings);
        let judgement = await cache.get(key);
        const cached = judgement !== undefined;
        const meta = { sessionKey: session.key, ...(hooks.judgementId ? { judgementId: hooks.judgementId } : {}) };
        if (judgement) {
          cachedChunks++;
          await cache.link?.(key, judgement, meta);
        } else {
          judgement = await judgeChunk(judge, chunk, messages, ledger, call, settings.ledger, {
            ...(hooks.signal ? { signal: hooks.signal } : {}),
            tags: { session: session.key, chunk: chunk.index },
          });
          await cache.put(key, judgement, meta);
        }
        if (judgement.status === "ok") ledger = judgement.ledgerAfter;
        out.push(judgement);
        hooks.onChunk?.({ sessionKey: session.key, judge: judge.id, chunkIndex: chunk.index, cached, judgement });
      }
      return out;
    }),
  );
  return { session, chunks, byJudge, cachedChunks };
}

/** True for failures that concern this chunk's reply only: unusable output, or content the provider refused. */
export function isChunkLevelFailure(error: unknown): boolean {
  if (error instanceof JudgeReplyParseError) return true;
  return error instanceof LlmError && (error.kind === "invalid_output" || error.kind === "content_flagged");
}

/** Judge one chunk with one judge; a reply that cannot be used is recorded as a failed chunk. */
async function judgeChunk(
  judge: ChatModel,
  chunk: Chunk,
  messages: ChatMessage[],
  ledger: LedgerEntry[],
  call: JudgeCall,
  limits: LedgerLimits,
  options: { signal?: AbortSignal; tags: Record<string, string | number> },
): Promise<ChunkJudgement> {
  const base = {
    judge: judge.id,
    chunkIndex: chunk.index,
    firstRound: chunk.firstRound,
    lastRound: chunk.lastRound,
    npcTurns: chunk.scoredRounds.length,
    scoredRounds: chunk.scoredRounds,
  };
  try {
    const result = await call(judge, messages, options);
    const ledgerAfter = mergeLedger(ledger, result.reply.ledger, chunk.lastRound, limits);
    const before = new Set(ledger.map((e) => `${e.round}\u0000${e.statement}`));
    return {
      ...base,
      status: "ok",
      flags: verifyJudgeFlags(result.reply.flags, chunk, judge.id),
      rejected: result.reply.rejected,
      ledgerAdded: ledgerAfter.filter((e) => !before.has(`${e.round}\u0000${e.statement}`)),
      ledgerAfter,
      promptTokens: result.promptTokens,
      completionTokens: result.completionTokens,
      costUsd: result.costUsd,
      latencyMs: result.latencyMs,
    };
  } catch (error) {
    // Only a judge that answered badly fails a chunk; a provider that cannot be reached, a bad key or an exhausted
    // budget stops the whole judgement, which resumes from the cache once fixed.
    if (options.signal?.aborted || !isChunkLevelFailure(error)) throw error;
    const e = error as { code?: string; message?: string };
    return {
      ...base,
      status: "failed",
      flags: [],
      rejected: [],
      ledgerAdded: [],
      ledgerAfter: ledger,
      promptTokens: 0,
      completionTokens: 0,
      costUsd: 0,
      latencyMs: 0,
      error: `${e.code ?? "error"}: ${e.message ?? String(error)}`,
    };
  }
}
