import OpenAI from "openai";
import type { ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { type AttemptDeadline, DEFAULT_TIMEOUT_MS, startDeadline } from "../attempt-deadline.ts";
import type { CallOptions } from "../call-options.ts";
import type { ChatMessage } from "../chat-message.ts";
import type { ChatModel } from "../chat-model.ts";
import type { ChatRequest } from "../chat-request.ts";
import type { ChatChunk, ChatResult, FinishReason } from "../chat-result.ts";
import { foldRoleplayRoles } from "../fold-roles.ts";
import { type HttpTransport, sharedHttpTransport } from "../http-transport.ts";
import { LlmError } from "../llm-error.ts";
import { createThinkFilter, stripThink } from "../think.ts";
import { estimateTokens, type Usage } from "../usage.ts";
import { mapOpenAIError } from "./openai-error.ts";

export interface OpenAICompatibleOptions {
  /** The model id callers see ("openai:gpt-4.1-mini", "http://host:8000/v1#qwen"). */
  id: string;
  /** Provider family for pricing and judge-family checks. */
  provider: string;
  /** Base URL ending in /v1. */
  baseUrl: string;
  /** Model name sent in the request body. */
  model: string;
  /** Servers without auth (a local vLLM) get a placeholder; the openai client insists on some key. */
  apiKey?: string | undefined;
  /** Per-attempt timeout (streams: longest silence between chunks). Default 120 s. */
  timeoutMs?: number;
  /**
   * OpenAI's own API wants `max_completion_tokens` (newer models reject `max_tokens`); most compatible servers
   * (vLLM, Ollama, llama.cpp) know `max_tokens`. Default: by provider.
   */
  maxTokensField?: "max_tokens" | "max_completion_tokens";
  /** The HTTP transport (default: the process-wide one; tests give their own proxy settings and limits). */
  transport?: HttpTransport;
  /** Clock for latency, injectable for tests. */
  now?: () => number;
}

/**
 * Whether a (folded) message can go on the wire as it is: only `role`, `content` and a non-empty `name`. Most
 * messages are, and reusing them spares a copy of every history message on every call (objects that then stay
 * alive, and are copied by the garbage collector, for as long as the call is in flight).
 */
function wireReady(m: ChatMessage): boolean {
  for (const key in m) if (key !== "role" && key !== "content" && key !== "name") return false;
  return m.name === undefined ? !("name" in m) : m.name !== "";
}

/** The request body for /chat/completions: MiniMax roles folded into system text, extras passed through. */
export function buildOpenAIBody(
  request: ChatRequest,
  model: string,
  maxTokensField: "max_tokens" | "max_completion_tokens",
  options: CallOptions = {},
): ChatCompletionCreateParamsNonStreaming {
  const messages = foldRoleplayRoles(request.messages).map((m) =>
    wireReady(m)
      ? (m as { role: "system" | "user" | "assistant"; content: string })
      : {
          role: m.role as "system" | "user" | "assistant",
          content: m.content,
          ...(m.name ? { name: m.name } : {}),
        },
  );
  const body: Record<string, unknown> = { model, messages };
  if (request.temperature !== undefined) body["temperature"] = request.temperature;
  if (request.topP !== undefined) body["top_p"] = request.topP;
  if (request.maxTokens !== undefined) body[maxTokensField] = request.maxTokens;
  if (request.stop?.length) body["stop"] = request.stop;
  if (options.seed !== undefined) body["seed"] = options.seed;
  if (request.responseFormat)
    body["response_format"] = {
      type: "json_schema",
      json_schema: { name: request.responseFormat.name, schema: request.responseFormat.schema },
    };
  return { ...body, ...request.extra } as unknown as ChatCompletionCreateParamsNonStreaming;
}

/** Map an OpenAI finish reason onto ours. */
export function mapFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case "stop":
    case "length":
    case "content_filter":
      return reason;
    default:
      return "other";
  }
}

function usageFrom(
  reported: { prompt_tokens?: number; completion_tokens?: number } | null | undefined,
  request: ChatRequest,
  text: string,
): Usage {
  if (reported && typeof reported.prompt_tokens === "number" && typeof reported.completion_tokens === "number")
    return { promptTokens: reported.prompt_tokens, completionTokens: reported.completion_tokens };
  return {
    promptTokens: estimateTokens(request.messages.map((m) => m.content).join("\n")),
    completionTokens: estimateTokens(text),
    estimated: true,
  };
}

/**
 * A ChatModel for any OpenAI-compatible server, through the official `openai` client over the shared undici
 * transport (http-transport.ts). The client's own retries are off: the retry middleware owns retrying, so attempts,
 * budgets and back-off are counted in one place.
 */
export function createOpenAICompatibleModel(options: OpenAICompatibleOptions): ChatModel {
  const transport = options.transport ?? sharedHttpTransport();
  const client = new OpenAI({
    baseURL: options.baseUrl,
    apiKey: options.apiKey || "not-needed",
    maxRetries: 0,
    // Our deadline (attempt-deadline.ts) times attempts; the client's timer only covers the wait for headers.
    timeout: 24 * 3600_000,
    // The transport's fetch is undici's own, bound to the shared dispatcher (proxies, HTTP/2, limits).
    fetch: transport.fetch,
  });
  const now = options.now ?? (() => performance.now());
  const maxTokensField =
    options.maxTokensField ?? (options.provider === "openai" ? "max_completion_tokens" : "max_tokens");
  const target = { model: options.id, baseUrl: options.baseUrl };
  const fail = (error: unknown, deadline: AttemptDeadline): LlmError =>
    deadline.reason() ?? mapOpenAIError(error, target);

  async function chat(request: ChatRequest, callOptions: CallOptions = {}): Promise<ChatResult> {
    const deadline = startDeadline(
      options.id,
      callOptions.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      callOptions.signal,
    );
    const started = now();
    try {
      const body = buildOpenAIBody(request, options.model, maxTokensField, callOptions);
      // Always our per-attempt signal, never the caller's (see stream below).
      const response = await client.chat.completions.create(body, { signal: deadline.signal });
      const choice = response.choices?.[0];
      if (!choice)
        throw new LlmError("server", `${options.baseUrl} returned no choices for ${options.id}.`, {
          model: options.id,
        });
      const raw = choice.message?.content ?? "";
      const text = stripThink(raw);
      const refused = !raw && Boolean(choice.message?.refusal);
      return {
        text,
        finishReason: refused ? "content_filter" : mapFinishReason(choice.finish_reason),
        usage: usageFrom(response.usage, request, raw),
        model: options.id,
        latencyMs: now() - started,
      };
    } catch (error) {
      throw fail(error, deadline);
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
    let raw = "";
    let finish: string | null | undefined;
    let reported: ChatCompletionChunk["usage"];
    const filter = createThinkFilter();
    try {
      const body = buildOpenAIBody(request, options.model, maxTokensField, callOptions);
      // Always our per-attempt signal, never the caller's: the client adds an abort listener to the signal it is
      // given and never removes it, so a run-wide signal passed straight through gathered one listener per call.
      const chunks = await client.chat.completions.create(
        { ...body, stream: true, stream_options: { include_usage: true } },
        { signal: deadline.signal },
      );
      for await (const chunk of chunks) {
        deadline.touch();
        if (chunk.usage) reported = chunk.usage;
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        if (choice.finish_reason) finish = choice.finish_reason;
        const piece = choice.delta?.content;
        if (piece) {
          raw += piece;
          const visible = filter.push(piece);
          if (visible) yield { type: "delta", text: visible };
        }
      }
      // The client ends an aborted stream quietly instead of throwing; a stall or a cancel must not look like a cut.
      const stopped = deadline.reason();
      if (stopped) throw stopped;
    } catch (error) {
      throw fail(error, deadline);
    } finally {
      deadline.dispose();
    }
    if (!finish)
      throw new LlmError("connection", `The stream from ${options.id} ended before the answer finished.`, {
        model: options.id,
        hint: "The connection was cut mid-answer (a truncated stream); the call is retried.",
      });
    const tail = filter.flush();
    if (tail) yield { type: "delta", text: tail };
    yield {
      type: "finish",
      result: {
        text: stripThink(raw),
        finishReason: mapFinishReason(finish),
        usage: usageFrom(reported, request, raw),
        model: options.id,
        latencyMs: now() - started,
      },
    };
  }

  return { id: options.id, provider: options.provider, chat, stream };
}
