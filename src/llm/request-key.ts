import { stableHash } from "../core/index.ts";
import type { CallOptions } from "./call-options.ts";
import type { ChatRequest } from "./chat-request.ts";

/**
 * The content address of a call: model, every request parameter, messages, role, run index and seed. Two calls
 * with equal keys would be interchangeable; a different seed or run index gives a different key, so repeated runs
 * of one scenario stay independent samples instead of one cached answer.
 */
export function requestKey(modelId: string, request: ChatRequest, options: CallOptions = {}): string {
  return stableHash({
    v: 1,
    model: modelId,
    messages: request.messages.map((m) => ({ role: m.role, content: m.content, name: m.name ?? null })),
    temperature: request.temperature ?? null,
    topP: request.topP ?? null,
    maxTokens: request.maxTokens ?? null,
    stop: request.stop ?? null,
    responseFormat: request.responseFormat ?? null,
    extra: request.extra ?? null,
    role: options.role ?? null,
    runIndex: options.runIndex ?? null,
    seed: options.seed ?? null,
  });
}
