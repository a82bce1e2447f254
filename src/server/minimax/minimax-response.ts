import type { FinishReason, Usage } from "../../llm/index.ts";
import type { GatewayEvent } from "../gateway.ts";

type Start = Extract<GatewayEvent, { type: "start" }>;

/** MiniMax's status block, present on every body: 0 is success, anything else an error (role-play-bench.md §3.5). */
export interface BaseResp {
  status_code: number;
  status_msg: string;
}

/** The success status. */
export const BASE_OK: BaseResp = { status_code: 0, status_msg: "" };

/** MiniMax's finish reasons as troupe produces them; `error` and `other` have no MiniMax value and become "stop". */
export function minimaxFinishReason(reason: FinishReason): "stop" | "length" | "content_filter" {
  return reason === "length" || reason === "content_filter" ? reason : "stop";
}

/** The sensitivity flags every MiniMax body carries. */
function sensitivity(outputFlagged: boolean): Record<string, unknown> {
  return {
    input_sensitive: false,
    output_sensitive: outputFlagged,
    input_sensitive_type: 0,
    output_sensitive_type: 0,
    output_sensitive_int: 0,
  };
}

function usageOf(usage: Usage | undefined, text: string): Record<string, number> {
  const prompt = usage?.promptTokens ?? 0;
  const completion = usage?.completionTokens ?? 0;
  return {
    total_tokens: prompt + completion,
    total_characters: text.length,
    prompt_tokens: prompt,
    completion_tokens: completion,
  };
}

function assistant(content: string, name: string | undefined): Record<string, unknown> {
  return { content, role: "assistant", ...(name ? { name } : {}), audio_content: "" };
}

/** The non-streamed `chat.completion` body. */
export function minimaxCompletionBody(
  start: Start,
  text: string,
  reason: FinishReason,
  usage: Usage | undefined,
  name: string | undefined,
): Record<string, unknown> {
  const finish = minimaxFinishReason(reason);
  return {
    id: start.id,
    choices: [{ finish_reason: finish, index: 0, message: assistant(text, name) }],
    created: start.created,
    model: start.model,
    object: "chat.completion",
    usage: usageOf(usage, text),
    ...sensitivity(finish === "content_filter"),
    base_resp: BASE_OK,
  };
}

/** A text increment of a stream; every chunk repeats the envelope (id, model, flags, base_resp). */
export function minimaxDeltaChunk(start: Start, text: string, name: string | undefined): Record<string, unknown> {
  return {
    id: start.id,
    choices: [{ index: 0, delta: assistant(text, name) }],
    created: start.created,
    model: start.model,
    object: "chat.completion.chunk",
    ...sensitivity(false),
    base_resp: BASE_OK,
  };
}

/**
 * The last chunk of a stream: the finish reason, the whole message (MiniMax clients may read it instead of the
 * deltas; troupe's own parser does not append it twice) and usage.
 */
export function minimaxFinalChunk(
  start: Start,
  text: string,
  reason: FinishReason,
  usage: Usage | undefined,
  name: string | undefined,
): Record<string, unknown> {
  const finish = minimaxFinishReason(reason);
  return {
    id: start.id,
    choices: [{ finish_reason: finish, index: 0, message: assistant(text, name) }],
    created: start.created,
    model: start.model,
    object: "chat.completion.chunk",
    usage: usageOf(usage, text),
    ...sensitivity(finish === "content_filter"),
    base_resp: BASE_OK,
  };
}
