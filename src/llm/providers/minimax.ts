import { type AttemptDeadline, DEFAULT_TIMEOUT_MS, startDeadline } from "../attempt-deadline.ts";
import type { CallOptions } from "../call-options.ts";
import type { ChatModel } from "../chat-model.ts";
import type { ChatRequest } from "../chat-request.ts";
import type { ChatChunk, ChatResult, SafetyFlags } from "../chat-result.ts";
import { type HttpTransport, sharedHttpTransport } from "../http-transport.ts";
import { LlmError } from "../llm-error.ts";
import { classifyNetworkError } from "../network-error.ts";
import { parseRetryAfter } from "../retry-after.ts";
import { createThinkFilter, stripThink } from "../think.ts";
import { estimateTokens, type Usage } from "../usage.ts";
import { miniMaxCodeError, miniMaxHttpError } from "./minimax-errors.ts";
import { buildMiniMaxBody } from "./minimax-request.ts";
import {
  endMiniMaxStream,
  feedMiniMaxStream,
  initialStreamState,
  type MiniMaxStreamState,
  streamOutcome,
} from "./minimax-sse.ts";
import { mapFinishReason } from "./openai-compatible.ts";

export interface MiniMaxOptions {
  /** The model id callers see ("minimax:M2-her"). */
  id: string;
  /** Host without path: https://api.minimax.io or https://api.minimaxi.com. */
  baseUrl: string;
  /** Model name sent to MiniMax ("M2-her", case-sensitive). */
  model: string;
  apiKey: string;
  /** Per-attempt timeout (streams: longest silence between chunks). Default 120 s. */
  timeoutMs?: number;
  /** The HTTP transport (default: the process-wide one). */
  transport?: HttpTransport;
  now?: () => number;
}

/** The path of MiniMax's native chat endpoint. */
export const MINIMAX_CHAT_PATH = "/v1/text/chatcompletion_v2";

function safetyOf(state: MiniMaxStreamState): SafetyFlags | undefined {
  if (!state.inputSensitive && !state.outputSensitive && state.inputSensitiveType === undefined) return undefined;
  return {
    inputSensitive: state.inputSensitive,
    outputSensitive: state.outputSensitive,
    ...(state.inputSensitiveType === undefined ? {} : { inputSensitiveType: state.inputSensitiveType }),
    ...(state.outputSensitiveType === undefined ? {} : { outputSensitiveType: state.outputSensitiveType }),
  };
}

function usageOf(state: MiniMaxStreamState, request: ChatRequest, raw: string): Usage {
  // Streams report no usage (reference §3.4); estimate rather than report zero.
  return (
    state.usage ?? {
      promptTokens: estimateTokens(request.messages.map((m) => m.content).join("\n")),
      completionTokens: estimateTokens(raw),
      estimated: true,
    }
  );
}

/**
 * MiniMax's native chat API (POST /v1/text/chatcompletion_v2) with its role-play roles (user_system, group,
 * sample_message_user/ai). Every response's `base_resp.status_code` is checked, HTTP 200 included, because MiniMax
 * reports rate limits, auth and content flags there; each documented code maps to an LlmError kind.
 */
export function createMiniMaxModel(options: MiniMaxOptions): ChatModel {
  const fetchImpl = (options.transport ?? sharedHttpTransport()).fetch;
  const now = options.now ?? (() => performance.now());
  const url = `${options.baseUrl.replace(/\/+$/, "")}${MINIMAX_CHAT_PATH}`;
  const target = { model: options.id, baseUrl: options.baseUrl };

  async function post(request: ChatRequest, stream: boolean, deadline: AttemptDeadline): Promise<Response> {
    const body = buildMiniMaxBody(request, options.model, stream);
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method: "POST",
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          "content-type": "application/json",
          accept: stream ? "text/event-stream" : "application/json",
        },
        body: JSON.stringify(body),
        signal: deadline.signal,
      });
    } catch (error) {
      throw deadline.reason() ?? classifyNetworkError(error, target);
    }
    if (!response.ok) {
      const text = await response.text().catch(() => "");
      throw errorFromBody(response.status, text, parseRetryAfter(response.headers));
    }
    return response;
  }

  function errorFromBody(status: number, text: string, retryAfterMs: number | undefined): LlmError {
    try {
      const parsed = JSON.parse(text) as { base_resp?: { status_code?: number; status_msg?: string } };
      const code = parsed.base_resp?.status_code;
      if (typeof code === "number" && code !== 0)
        return miniMaxCodeError(code, parsed.base_resp?.status_msg ?? "", options.id, status);
    } catch {
      // Not JSON: fall through to the HTTP status.
    }
    return miniMaxHttpError(status, text, options.id, retryAfterMs);
  }

  function failure(state: MiniMaxStreamState): LlmError | undefined {
    const outcome = streamOutcome(state);
    if (outcome.type === "failure") {
      if (outcome.failure.type === "base_resp")
        return miniMaxCodeError(outcome.failure.code, outcome.failure.message, options.id, 200);
      return new LlmError("server", `MiniMax answered with invalid JSON for ${options.id}: ${outcome.failure.detail}`, {
        model: options.id,
        hint: "A broken response; the call is retried.",
      });
    }
    if (outcome.type === "truncated")
      return new LlmError("connection", `The answer from ${options.id} ended before it was complete.`, {
        model: options.id,
        hint: "The stream was cut mid-answer; the call is retried.",
      });
    return undefined;
  }

  function result(state: MiniMaxStreamState, request: ChatRequest, started: number): ChatResult {
    const outcome = streamOutcome(state);
    const finishReason = outcome.type === "answer" ? outcome.finishReason : "stop";
    const safety = safetyOf(state);
    return {
      text: stripThink(state.text),
      finishReason: mapFinishReason(finishReason),
      usage: usageOf(state, request, state.text),
      model: options.id,
      latencyMs: now() - started,
      ...(safety ? { safety } : {}),
    };
  }

  async function* readBody(response: Response, deadline: AttemptDeadline): AsyncGenerator<string> {
    if (!response.body) return;
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    let finished = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        deadline.touch();
        yield decoder.decode(value, { stream: true });
      }
      finished = true;
      const tail = decoder.decode();
      if (tail) yield tail;
    } finally {
      // A consumer that stops early must not leave the connection streaming into the void.
      if (!finished) await reader.cancel().catch(() => {});
    }
  }

  async function chat(request: ChatRequest, callOptions: CallOptions = {}): Promise<ChatResult> {
    const deadline = startDeadline(
      options.id,
      callOptions.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      callOptions.signal,
    );
    const started = now();
    try {
      const response = await post(request, false, deadline);
      let state = initialStreamState();
      // The same parser reads a JSON body, so a server that streams anyway (or sends SSE errors) is still understood.
      for await (const piece of readBody(response, deadline)) state = feedMiniMaxStream(state, piece).state;
      state = endMiniMaxStream(state).state;
      const error = failure(state);
      if (error) throw error;
      return result(state, request, started);
    } catch (error) {
      throw deadline.reason() ?? (error instanceof LlmError ? error : classifyNetworkError(error, target));
    } finally {
      deadline.dispose();
    }
  }

  async function* stream(request: ChatRequest, callOptions: CallOptions = {}): AsyncIterable<ChatChunk> {
    const deadline = startDeadline(
      options.id,
      callOptions.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      callOptions.signal,
    );
    const started = now();
    const filter = createThinkFilter();
    let state = initialStreamState();
    try {
      const response = await post(request, true, deadline);
      for await (const piece of readBody(response, deadline)) {
        const fed = feedMiniMaxStream(state, piece);
        state = fed.state;
        if (state.failure) break;
        for (const delta of fed.deltas) {
          const visible = filter.push(delta);
          if (visible) yield { type: "delta", text: visible };
        }
      }
      const ended = endMiniMaxStream(state);
      state = ended.state;
      for (const delta of ended.deltas) {
        const visible = filter.push(delta);
        if (visible) yield { type: "delta", text: visible };
      }
    } catch (error) {
      throw deadline.reason() ?? (error instanceof LlmError ? error : classifyNetworkError(error, target));
    } finally {
      deadline.dispose();
    }
    const error = failure(state);
    if (error) throw error;
    const tail = filter.flush();
    if (tail) yield { type: "delta", text: tail };
    yield { type: "finish", result: result(state, request, started) };
  }

  return { id: options.id, provider: "minimax", chat, stream };
}
