// Public surface of src/server/openai: the OpenAI-compatible routes and the failure classification every wire API
// (OpenAI, MiniMax) encodes in its own shape.

export { clientGone, logFailure } from "../failure-handler.ts";
export { classifyFailure, type RequestFailure } from "../request-failure.ts";
export {
  type CollectedCompletion,
  CompletionCollector,
  type OpenAIFinishReason,
  openaiCompletionBody,
  openaiFinishReason,
  openaiUsage,
} from "./openai-completion.ts";
export {
  type OpenAIErrorBody,
  openaiErrorBody,
  openaiStatus,
  sendOpenAIError,
  useOpenAIErrors,
} from "./openai-errors.ts";
export { openaiModel, openaiModelList } from "./openai-models.ts";
export {
  MAX_CHOICES,
  type OpenAIChatRequest,
  openaiChatRequest,
  retryCountOf,
  toGatewayRequest,
} from "./openai-request.ts";
export { actorOf, COMPLETION_BODY_LIMIT, openaiRoutes, type WireRoutesOptions } from "./openai-routes.ts";
export { OpenAIChunkEncoder } from "./openai-stream.ts";
