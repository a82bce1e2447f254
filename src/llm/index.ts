// Public surface of src/llm: the model interface, its request/result shapes, errors, providers and middleware.
export type { CallOptions, CallRole } from "./call-options.ts";
export {
  Cassette,
  type CassetteEntry,
  CassetteError,
  closeCassettes,
  openCassette,
  parseCassette,
} from "./cassette.ts";
export type { ChatMessage, ChatRole } from "./chat-message.ts";
export { type ChatModel, type ChatModelMiddleware, collectStream, wrapModel } from "./chat-model.ts";
export type { ChatRequest, JsonSchemaFormat } from "./chat-request.ts";
export type { ChatChunk, ChatResult, FinishReason, SafetyFlags } from "./chat-result.ts";
export { downloadFetch } from "./download-fetch.ts";
export { type EndpointState, endpointState, resetEndpointStates } from "./endpoint-state.ts";
export { foldRoleplayRoles } from "./fold-roles.ts";
// The transport and the remote providers load on first use (resolveModel imports them), so only their types are
// exported here; code that builds them directly imports their files (http-transport.ts, providers/*.ts).
export type { HttpTransport, HttpTransportOptions } from "./http-transport.ts";
export { type ExtractedJson, extractJson } from "./json-extract.ts";
export { isRetryable, LlmError, type LlmErrorKind, type LlmErrorOptions } from "./llm-error.ts";
export { asCachedHit, withCache } from "./middleware/with-cache.ts";
export { CassetteMissError, type CassetteMode, withCassette } from "./middleware/with-cassette.ts";
export {
  AdaptiveLimiter,
  type AdaptiveLimiterOptions,
  type LimiterSlot,
  type SlotOutcome,
  withConcurrency,
} from "./middleware/with-concurrency.ts";
export { applyDefaults, withDefaults } from "./middleware/with-defaults.ts";
export { abortableSleep, backoffDelay, RetryBudget, type RetryOptions, withRetry } from "./middleware/with-retry.ts";
export { type UsageOptions, withUsage } from "./middleware/with-usage.ts";
export {
  DEFAULT_CONTEXT_SIZE,
  loadedContextSize,
  type ModelContextWindowOptions,
  modelContextWindow,
} from "./model-context-window.ts";
export {
  type EndpointSettings,
  MINIMAX_CN_BASE_URL,
  MINIMAX_GLOBAL_BASE_URL,
  MODEL_SPEC_FORMS,
  type ModelSpec,
  OPENAI_DEFAULT_BASE_URL,
  type ParseModelSpecOptions,
  parseModelSpec,
  type RequestDefaults,
} from "./model-spec.ts";
export { classifyNetworkError, connectTimeoutError } from "./network-error.ts";
export { BUILT_IN_PRICES, costOf, createPriceTable, type PriceTable } from "./price-table.ts";
export {
  createFakeModel,
  type FakeAnswer,
  type FakeModelOptions,
  type FakeScript,
  type FakeTurn,
  fakeText,
} from "./providers/fake-model.ts";
export type { MiniMaxOptions } from "./providers/minimax.ts";
export { MINIMAX_CODES, miniMaxCodeError, miniMaxHttpError } from "./providers/minimax-errors.ts";
export {
  buildMiniMaxBody,
  MINIMAX_MAX_COMPLETION_TOKENS,
  type MiniMaxBody,
  validateMiniMaxRequest,
} from "./providers/minimax-request.ts";
export {
  endMiniMaxStream,
  feedMiniMaxStream,
  initialStreamState,
  type MiniMaxStreamState,
  parseMiniMaxStream,
  type StreamOutcome,
  streamOutcome,
} from "./providers/minimax-sse.ts";
export type { OpenAICompatibleOptions } from "./providers/openai-compatible.ts";
export { requestKey } from "./request-key.ts";
export { type DownloadProgressInfo, type ResolveModelOptions, resolveModel } from "./resolve-model.ts";
export { LLM_MIGRATIONS, ResponseCache } from "./response-cache.ts";
export { resultToStream, storableResult, tapStream } from "./result-stream.ts";
export { parseRetryAfter } from "./retry-after.ts";
export {
  type GeneratedObject,
  type GenerateObjectOptions,
  generateObject,
  responseFormatFor,
} from "./structured-output.ts";
export { createThinkFilter, stripThink } from "./think.ts";
export { addUsage, estimateTokens, type Usage } from "./usage.ts";
export { UsageMeter, type UsageSnapshot, type UsageTotals } from "./usage-meter.ts";
