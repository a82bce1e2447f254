import type { Usage } from "./usage.ts";

/** Why generation stopped. `length` means the output was cut at the token limit. */
export type FinishReason = "stop" | "length" | "content_filter" | "error" | "other";

/** Content-safety flags some providers return (MiniMax `input_sensitive` / `output_sensitive`). */
export interface SafetyFlags {
  inputSensitive: boolean;
  outputSensitive: boolean;
  /** Provider category codes (MiniMax: 1 severe, 2 sexual, 3 ads, 4 prohibited, 5 abuse, 6 violence, 7 other). */
  inputSensitiveType?: number;
  outputSensitiveType?: number;
}

/** The answer to one chat call. */
export interface ChatResult {
  text: string;
  finishReason: FinishReason;
  usage: Usage;
  /** The model id that answered (`ChatModel.id`). */
  model: string;
  /** Wall time of the successful attempt, in ms (0 for a cache hit). */
  latencyMs: number;
  /** Present when the provider reported safety flags. */
  safety?: SafetyFlags;
  /** True when served from the response cache or a cassette. */
  cached?: boolean;
  /** Attempts that failed before this answer (filled in by the retry middleware). */
  retries?: number;
  /** Dollar cost of this call under the configured price table (filled in by the usage middleware). */
  costUsd?: number;
}

/** A piece of a streamed answer: text deltas, then exactly one `finish` carrying the whole result. */
export type ChatChunk = { type: "delta"; text: string } | { type: "finish"; result: ChatResult };
