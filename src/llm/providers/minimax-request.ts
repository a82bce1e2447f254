import type { ChatRequest } from "../chat-request.ts";
import { LlmError } from "../llm-error.ts";

/** MiniMax's upper limit on `max_completion_tokens`. */
export const MINIMAX_MAX_COMPLETION_TOKENS = 2048;

/** A chatcompletion_v2 request body. */
export interface MiniMaxBody {
  model: string;
  messages: Array<{ role: string; content: string; name?: string }>;
  stream: boolean;
  temperature?: number;
  top_p?: number;
  max_completion_tokens?: number;
  [extra: string]: unknown;
}

function invalid(model: string, message: string, hint: string): LlmError {
  return new LlmError("invalid_request", message, { model, hint });
}

/**
 * Check a request against MiniMax's documented limits before sending it, so a bad parameter fails at once with a
 * clear message instead of as a 2013 from the server: temperature and top_p in (0, 1], max_completion_tokens an
 * integer in [1, 2048].
 */
export function validateMiniMaxRequest(request: ChatRequest, model: string): void {
  const unit = (name: string, value: number | undefined) => {
    if (value === undefined) return;
    if (!(Number.isFinite(value) && value > 0 && value <= 1))
      throw invalid(
        model,
        `MiniMax needs ${name} in (0, 1]; got ${value}.`,
        name === "temperature"
          ? "0 is invalid on MiniMax: use a small positive value such as 0.01 for near-greedy sampling."
          : "Use a value above 0 and at most 1 (the default is 0.95).",
      );
  };
  unit("temperature", request.temperature);
  unit("top_p", request.topP);
  const max = request.maxTokens;
  if (max !== undefined && !(Number.isInteger(max) && max >= 1 && max <= MINIMAX_MAX_COMPLETION_TOKENS))
    throw invalid(
      model,
      `MiniMax needs max_completion_tokens as an integer in [1, ${MINIMAX_MAX_COMPLETION_TOKENS}]; got ${max}.`,
      `Lower maxTokens to at most ${MINIMAX_MAX_COMPLETION_TOKENS}; longer answers are cut with finish_reason "length" anyway.`,
    );
  if (request.messages.length === 0) throw invalid(model, "The request has no messages.", "Send at least one message.");
}

/**
 * The chatcompletion_v2 body. MiniMax's role-play roles go through as they are; `stop` and `response_format` are
 * not documented for M2-her, so structured output relies on the prompt and validation (see structured-output.ts).
 */
export function buildMiniMaxBody(request: ChatRequest, model: string, stream: boolean): MiniMaxBody {
  validateMiniMaxRequest(request, model);
  const body: MiniMaxBody = {
    model,
    messages: request.messages.map((m) => ({ role: m.role, content: m.content, ...(m.name ? { name: m.name } : {}) })),
    stream,
  };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.maxTokens !== undefined) body.max_completion_tokens = request.maxTokens;
  if (request.responseFormat)
    body["response_format"] = {
      type: "json_schema",
      json_schema: { name: request.responseFormat.name, schema: request.responseFormat.schema },
    };
  return { ...body, ...request.extra };
}
