import * as z from "zod";
import { LedgerEntrySchema } from "./canon-ledger.ts";
import { FlagSchema } from "./flag.ts";

/** One judge's verdict on one chunk, as stored: checked flags, what it added to its canon ledger, and its cost. */
export const ChunkJudgementSchema = z.strictObject({
  status: z.enum(["ok", "failed"]),
  judge: z.string(),
  chunkIndex: z.number().int().nonnegative(),
  firstRound: z.number().int(),
  lastRound: z.number().int(),
  npcTurns: z.number().int().nonnegative(),
  /** The NPC rounds this chunk scores (what agreement counts as rated units). */
  scoredRounds: z.array(z.number().int()),
  flags: z.array(FlagSchema),
  /** Flags or ledger entries the judge wrote that did not fit the schema (kept for the record, never scored). */
  rejected: z.array(z.strictObject({ kind: z.enum(["flag", "ledger"]), item: z.unknown(), problem: z.string() })),
  /** Canon this chunk established, as the judge reported it (after dropping future rounds and duplicates). */
  ledgerAdded: z.array(LedgerEntrySchema),
  /** The judge's whole ledger after this chunk: what chunk k+1 was shown. */
  ledgerAfter: z.array(LedgerEntrySchema),
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  latencyMs: z.number().nonnegative(),
  /** Set when status is failed: what went wrong (typed error code and message). */
  error: z.string().optional(),
});
export type ChunkJudgement = z.infer<typeof ChunkJudgementSchema>;

/** Where judged chunks are kept between calls and runs, keyed by a hash of everything that determines them. */
export interface ChunkJudgementCache {
  get(key: string): Promise<ChunkJudgement | undefined>;
  put(key: string, judgement: ChunkJudgement, meta: { sessionKey: string; judgementId?: string }): Promise<void>;
  /** Record that a judgement uses a chunk that was already cached (optional: in-memory caches need no links). */
  link?(key: string, judgement: ChunkJudgement, meta: { sessionKey: string; judgementId?: string }): Promise<void>;
}

/** A cache in memory (tests, one-off judging of files). */
export function memoryChunkCache(): ChunkJudgementCache & { size(): number } {
  const map = new Map<string, ChunkJudgement>();
  return {
    get: async (key) => map.get(key),
    put: async (key, judgement) => {
      if (judgement.status === "ok") map.set(key, judgement);
    },
    size: () => map.size,
  };
}
