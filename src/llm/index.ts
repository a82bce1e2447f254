// Public surface of src/llm: the model interface, its request/result shapes, errors, providers and middleware.
export type { CallOptions, CallRole } from "./call-options.ts";
export type { ChatMessage, ChatRole } from "./chat-message.ts";
export { type ChatModel, type ChatModelMiddleware, collectStream, wrapModel } from "./chat-model.ts";
export type { ChatRequest, JsonSchemaFormat } from "./chat-request.ts";
export type { ChatChunk, ChatResult, FinishReason, SafetyFlags } from "./chat-result.ts";
export { isRetryable, LlmError, type LlmErrorKind, type LlmErrorOptions } from "./llm-error.ts";
export { addUsage, estimateTokens, type Usage } from "./usage.ts";
