import type { QuotableTurn } from "./quote-check.ts";

/** How a transcript is cut for judging. */
export interface ChunkingOptions {
  /** Generated turns per chunk (default 20: five chunks per 100-turn session, as MiniMax does). */
  chunkTurns: number;
  /**
   * Turns before a chunk shown to its judge as context only (default 1: the user message its first NPC reply
   * answers; anything older reaches the judge through the canon ledger).
   */
  contextTurns: number;
}

export const DEFAULT_CHUNKING: ChunkingOptions = { chunkTurns: 20, contextTurns: 1 };

/** One judging unit. */
export interface Chunk {
  /** 0-based position in the session. */
  index: number;
  /** First and last round of the chunk's own (generated) turns. */
  firstRound: number;
  lastRound: number;
  /** Turns shown before the chunk, never scored (the scripted opening for chunk 0, an overlap otherwise). */
  context: QuotableTurn[];
  /** The chunk's own turns, user and NPC. */
  turns: QuotableTurn[];
  /** The NPC rounds a flag may cite: the scored turns. */
  scoredRounds: number[];
}

/**
 * Cut a transcript into judging chunks.
 *
 * The two scripted turns — round 0 (`ai_prologue`) and round 1 (`initial_user_input`) — come from the scenario,
 * not from the model under test, so they are never scored: chunk 0 shows them as context, the canon ledger treats
 * the facts they set as established, and a flag citing them is marked `round_out_of_scope`. Chunks then cover the
 * generated turns (round ≥ 2) `chunkTurns` at a time, so 100 generated turns make 5 chunks of 20 (10 NPC turns
 * each); a shorter tail becomes a smaller last chunk. Transcripts without the scripted pair (rounds starting at 2)
 * are cut the same way.
 */
export function planChunks(turns: readonly QuotableTurn[], options: ChunkingOptions = DEFAULT_CHUNKING): Chunk[] {
  if (!Number.isInteger(options.chunkTurns) || options.chunkTurns < 2)
    throw new RangeError(`chunkTurns must be an integer ≥ 2, got ${options.chunkTurns}`);
  if (!Number.isInteger(options.contextTurns) || options.contextTurns < 0)
    throw new RangeError(`contextTurns must be an integer ≥ 0, got ${options.contextTurns}`);
  const sorted = [...turns].sort((a, b) => a.round - b.round);
  const scripted = sorted.filter((t) => t.round < 2);
  const generated = sorted.filter((t) => t.round >= 2);
  const chunks: Chunk[] = [];
  for (let start = 0; start < generated.length; start += options.chunkTurns) {
    const own = generated.slice(start, start + options.chunkTurns);
    const index = chunks.length;
    const before = start === 0 ? scripted : generated.slice(Math.max(0, start - options.contextTurns), start);
    chunks.push({
      index,
      firstRound: own[0]!.round,
      lastRound: own[own.length - 1]!.round,
      context: before.map((t) => ({ ...t })),
      turns: own.map((t) => ({ ...t })),
      scoredRounds: own.filter((t) => t.role === "ai").map((t) => t.round),
    });
  }
  return chunks;
}

/** Which chunk a round falls in (for the long-horizon curve and recall by chunk position). */
export function chunkIndexOfRound(round: number, chunkTurns: number): number {
  return round < 2 ? 0 : Math.floor((round - 2) / chunkTurns);
}
