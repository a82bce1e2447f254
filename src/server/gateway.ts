import type { ReplySampling } from "../chat/index.ts";
import type { ChatMessage, FinishReason, Usage } from "../llm/index.ts";
import type { Actor } from "./actor.ts";

/** Sampling settings a client may send (the chat domain's reply sampling); absent fields keep the model's defaults. */
export type Sampling = ReplySampling;

/**
 * One completion request after an API's encoder has validated it: the shape both `/v1/chat/completions` and
 * MiniMax's `chatcompletion_v2` decode into, so routing, policies and the candidate log exist once.
 */
export interface GatewayRequest {
  /** A configured model name or a served character ("character:<id>"). */
  model: string;
  messages: ChatMessage[];
  /** Candidates wanted (OpenAI `n`); each becomes a sibling in the candidate log. */
  n: number;
  sampling: Sampling;
  /** Request keys troupe does not interpret (top_k, min_p, …), passed to backends that take them. */
  extra: Record<string, unknown>;
  /** The client's end-user id (OpenAI `user`), logged as given. */
  endUser?: string;
  /** Which wire API asked: for logs and the candidate log. */
  api: "openai" | "minimax";
  /** The client's retry counter (X-Stainless-Retry-Count): a retried generation is logged as such, not as a swipe. */
  retryCount?: number;
}

/** What a completion emits, in order: one start, deltas and one finish per choice, then usage. */
export type GatewayEvent =
  | { type: "start"; id: string; model: string; created: number }
  | { type: "delta"; choice: number; text: string }
  | { type: "finish"; choice: number; reason: FinishReason }
  | { type: "usage"; usage: Usage };

/** A model a client may name in `model`. */
export interface ServedModelInfo {
  id: string;
  created: number;
  ownedBy: string;
}

/**
 * What the wire routes need from the rest of the server. `complete` throws HttpError (unknown model, bad
 * request) or LlmError (upstream failure) — before the first event whenever it can, so routes can still answer
 * with a status; an error after events began is sent in-stream.
 */
export interface Gateway {
  models(actor: Actor): Promise<ServedModelInfo[]>;
  complete(actor: Actor, request: GatewayRequest, signal: AbortSignal): AsyncIterable<GatewayEvent>;
}
