import { resolve } from "node:path";
import type { ChatHistoryItem, LlamaGrammar } from "node-llama-cpp";
import type { Logger } from "../../core/index.ts";
import type { CallOptions } from "../call-options.ts";
import type { ChatModel } from "../chat-model.ts";
import type { ChatRequest } from "../chat-request.ts";
import type { ChatChunk, ChatResult, FinishReason } from "../chat-result.ts";
import { LlmError } from "../llm-error.ts";
import { DEFAULT_LOCAL_SYSTEM_PROMPT, toLocalChatHistory } from "./local-chat-history.ts";
import {
  acquireLocalModel,
  defaultLocalThreads,
  type LocalRuntimeModel,
  type RuntimeImporter,
} from "./local-runtime.ts";
import { prepareStructuredOutput } from "./local-structured-output.ts";

/** How a local GGUF model is loaded. */
export interface LocalModelOptions {
  /** Path to a `.gguf` file. */
  modelPath: string;
  /**
   * llama.cpp threads; default `$TROUPE_LOCAL_THREADS`, else `defaultLocalThreads()` (1 on a machine with 2 or fewer
   * cores, where llama.cpp's own default is hundreds of times slower).
   */
  threads?: number;
  /** Tokens the context holds (prompt plus answer); default the model's training context, at most 8192. */
  contextSize?: number;
  logger?: Logger;
  /** Calls that may generate at once, each on its own context sequence; further calls wait in line. Default 1. */
  parallel?: number;
  /** The id reported in results; default `local:<absolute path>` (the resolver passes "local:default"). */
  id?: string;
  /** System prompt used when a request has none. */
  defaultSystemPrompt?: string;
  /** Loads node-llama-cpp; tests replace it to simulate a missing or broken native binary. */
  importRuntime?: RuntimeImporter;
  /** Environment read for `TROUPE_LOCAL_THREADS` (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/** A local model: a `ChatModel` plus what it was loaded with, and a way to let go of it. */
export interface LocalChatModel extends ChatModel {
  readonly provider: "local";
  readonly modelPath: string;
  readonly threads: number;
  /** Tokens the context holds, as llama.cpp allocated it (may be rounded up from the request). */
  readonly contextSize: number;
  /** True when the GGUF has its own chat template; otherwise a plain "### User / ### Assistant" transcript is used. */
  readonly hasChatTemplate: boolean;
  /** Tokens `text` takes in this model's vocabulary. */
  countTokens(text: string): number;
  /** Drop this handle's hold on the model; the model is unloaded when no handle holds it. */
  dispose(): Promise<void>;
}

/** Sampling temperature when a request gives none: llama.cpp's own default, so answers vary like a served model's. */
export const DEFAULT_LOCAL_TEMPERATURE = 0.8;

/** Load a GGUF model (once per file and context shape, shared between callers) and return it as a `ChatModel`. */
export async function createLocalModel(options: LocalModelOptions): Promise<LocalChatModel> {
  const modelPath = resolve(options.modelPath);
  const id = options.id ?? `local:${modelPath}`;
  const threads =
    positiveInteger(options.threads, "threads", id) ??
    threadsFromEnv(options.env ?? process.env, id) ??
    defaultLocalThreads();
  const parallel = positiveInteger(options.parallel, "parallel", id) ?? 1;
  const contextSize = positiveInteger(options.contextSize, "contextSize", id);
  const lease = await acquireLocalModel({
    modelPath,
    threads,
    parallel,
    ...(contextSize !== undefined ? { contextSize } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.importRuntime ? { importRuntime: options.importRuntime } : {}),
  });
  const runtime = lease.runtime;
  const systemPrompt = options.defaultSystemPrompt ?? DEFAULT_LOCAL_SYSTEM_PROMPT;
  let disposed = false;
  const ensureOpen = (): void => {
    if (disposed) throw new LlmError("invalid_request", `The local model ${id} was disposed.`, { model: id });
  };

  return {
    id,
    provider: "local",
    modelPath,
    threads: runtime.threads,
    contextSize: runtime.contextSize,
    hasChatTemplate: runtime.hasChatTemplate,
    countTokens: (text) => runtime.model.tokenize(text).length,
    async chat(request, callOptions) {
      ensureOpen();
      return generate(runtime, id, systemPrompt, request, callOptions ?? {});
    },
    stream(request, callOptions) {
      return (async function* () {
        ensureOpen();
        yield* streamGeneration(runtime, id, systemPrompt, request, callOptions ?? {});
      })();
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await lease.release();
    },
  };
}

/** Bridge the callback-based generator to an async iterable: deltas as they come, then one finish chunk. */
async function* streamGeneration(
  runtime: LocalRuntimeModel,
  id: string,
  systemPrompt: string,
  request: ChatRequest,
  options: CallOptions,
): AsyncGenerator<ChatChunk> {
  const pending: string[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let outcome: { result: ChatResult } | { error: unknown } | undefined;
  // Stops generation when the consumer leaves the loop early, so the sequence is freed for the next caller.
  const consumerGone = new AbortController();
  const run = generate(runtime, id, systemPrompt, request, options, consumerGone.signal, (text) => {
    pending.push(text);
    wake?.();
  }).then(
    (result) => {
      outcome = { result };
    },
    (error: unknown) => {
      outcome = { error };
    },
  );
  void run.finally(() => {
    finished = true;
    wake?.();
  });
  try {
    for (;;) {
      const text = pending.shift();
      if (text !== undefined) {
        yield { type: "delta", text };
        continue;
      }
      if (finished) break;
      await new Promise<void>((resolveWake) => {
        wake = resolveWake;
      });
      wake = undefined;
    }
    if (outcome && "error" in outcome) throw outcome.error;
    if (outcome) yield { type: "finish", result: outcome.result };
  } finally {
    if (!finished) {
      consumerGone.abort(new Error("stream consumer stopped reading"));
      await run;
    }
  }
}

async function generate(
  runtime: LocalRuntimeModel,
  id: string,
  systemPrompt: string,
  request: ChatRequest,
  options: CallOptions,
  internalSignal?: AbortSignal,
  onDelta?: (text: string) => void,
): Promise<ChatResult> {
  checkRequest(request, id);
  const structured = request.responseFormat ? prepareStructuredOutput(request.responseFormat, id) : undefined;
  const history = toLocalChatHistory(request.messages, systemPrompt);
  const promptTokens = countPromptTokens(runtime, history);
  // Leave no room for llama.cpp's context shift, which would silently drop the start of the conversation.
  const room = runtime.contextSize - promptTokens;
  if (room < 1) {
    throw new LlmError(
      "invalid_request",
      `The conversation is ${promptTokens} tokens, but the context of ${id} holds ${runtime.contextSize}.`,
      {
        hint:
          `Load the model with a larger context: add #ctx=<tokens> to the spec (${id}#ctx=16384` +
          ", at most what the model was trained on) or set `contextSize:` on its named endpoint under " +
          "`models:` in troupe.config.yaml; or send a shorter conversation.",
        model: id,
        details: { promptTokens, contextSize: runtime.contextSize },
      },
    );
  }
  const maxTokens = Math.min(request.maxTokens ?? room, room);
  const timeout = options.timeoutMs !== undefined ? AbortSignal.timeout(options.timeoutMs) : undefined;
  const signals = [options.signal, timeout, internalSignal].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined;

  let grammar: LlamaGrammar | undefined;
  let sequence: Awaited<ReturnType<typeof runtime.pool.acquire>> | undefined;
  try {
    if (structured) grammar = await runtime.grammar(structured.grammarSchema);
    sequence = await runtime.pool.acquire(signal);
    // Latency of the attempt itself: time spent queued behind other calls to this model is not the model's.
    const started = performance.now();
    const chat = new runtime.mod.LlamaChat({ contextSequence: sequence, chatWrapper: runtime.chatWrapper });
    let completionTokens = 0;
    try {
      const extra = request.extra ?? {};
      const response = await chat.generateResponse(history, {
        maxTokens,
        temperature: request.temperature ?? DEFAULT_LOCAL_TEMPERATURE,
        ...(request.topP !== undefined ? { topP: request.topP } : {}),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        ...numberOption("topK", extra["top_k"] ?? extra["topK"]),
        ...numberOption("minP", extra["min_p"] ?? extra["minP"]),
        ...(request.stop && request.stop.length > 0 ? { customStopTriggers: request.stop } : {}),
        ...(grammar ? { grammar } : {}),
        ...(signal ? { signal } : {}),
        onToken: (tokens) => {
          completionTokens += tokens.length;
        },
        ...(onDelta ? { onTextChunk: (text: string) => text.length > 0 && onDelta(text) } : {}),
      });
      const finishReason = toFinishReason(response.metadata.stopReason);
      const text = response.response;
      if (structured) structured.check(text, finishReason === "length" ? "length" : "stop");
      return {
        text,
        finishReason,
        usage: {
          promptTokens,
          completionTokens:
            completionTokens > 0 || text.length === 0 ? completionTokens : runtime.model.tokenize(text).length,
        },
        model: id,
        latencyMs: Math.round(performance.now() - started),
      };
    } finally {
      chat.dispose({ disposeSequence: false });
    }
  } catch (error) {
    throw toLlmError(error, id, options, timeout);
  } finally {
    if (sequence) runtime.pool.release(sequence);
  }
}

function countPromptTokens(runtime: LocalRuntimeModel, history: ChatHistoryItem[]): number {
  // LlamaChat appends an empty model turn before generating; count it too, since its header is part of the prompt.
  const full: ChatHistoryItem[] =
    history.at(-1)?.type === "model" ? history : [...history, { type: "model", response: [] }];
  const { contextText } = runtime.chatWrapper.generateContextState({ chatHistory: full });
  return contextText.tokenize(runtime.model.tokenizer).length;
}

function toFinishReason(stopReason: string): FinishReason {
  switch (stopReason) {
    case "maxTokens":
      return "length";
    case "eogToken":
    case "stopGenerationTrigger":
    case "customStopTrigger":
      return "stop";
    default:
      return "other";
  }
}

function toLlmError(error: unknown, id: string, options: CallOptions, timeout: AbortSignal | undefined): unknown {
  if (error instanceof LlmError) return error;
  if (options.signal?.aborted)
    return new LlmError("aborted", `The call to ${id} was aborted.`, { model: id, cause: error });
  if (timeout?.aborted) {
    return new LlmError("timeout", `${id} did not answer within ${options.timeoutMs} ms.`, { model: id, cause: error });
  }
  const text = error instanceof Error ? error.message : String(error);
  return new LlmError("server", `Local generation with ${id} failed: ${text}`, { model: id, cause: error });
}

function checkRequest(request: ChatRequest, id: string): void {
  const bad = (message: string): never => {
    throw new LlmError("invalid_request", message, { model: id });
  };
  if (!Array.isArray(request.messages) || request.messages.length === 0)
    bad("A chat request needs at least one message.");
  const { temperature, topP, maxTokens, stop } = request;
  if (temperature !== undefined && !(Number.isFinite(temperature) && temperature >= 0)) {
    bad(`temperature must be a number ≥ 0, got ${temperature}.`);
  }
  if (topP !== undefined && !(topP > 0 && topP <= 1)) bad(`topP must be in (0, 1], got ${topP}.`);
  if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens > 0)) {
    bad(`maxTokens must be a positive integer, got ${maxTokens}.`);
  }
  if (stop?.some((s) => typeof s !== "string" || s.length === 0)) bad("stop sequences must be non-empty strings.");
}

function positiveInteger(value: number | undefined, name: string, id: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) {
    throw new LlmError("invalid_request", `${name} must be a positive integer, got ${value}.`, { model: id });
  }
  return value;
}

function threadsFromEnv(env: NodeJS.ProcessEnv, id: string): number | undefined {
  const raw = env["TROUPE_LOCAL_THREADS"]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new LlmError("invalid_request", `TROUPE_LOCAL_THREADS must be a positive integer, got "${raw}".`, {
      hint: "Unset it to use the machine's safe default, or set e.g. TROUPE_LOCAL_THREADS=4.",
      model: id,
    });
  }
  return value;
}

function numberOption<K extends string>(key: K, value: unknown): Partial<Record<K, number>> {
  return typeof value === "number" && Number.isFinite(value) ? ({ [key]: value } as Record<K, number>) : {};
}
