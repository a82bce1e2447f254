// Public surface of src/server/minimax: MiniMax's chatcompletion_v2 served by troupe.
export {
  minimaxBaseResp,
  minimaxCode,
  minimaxErrorBody,
  sendMiniMaxError,
  useMiniMaxErrors,
} from "./minimax-errors.ts";
export {
  type MiniMaxChatRequest,
  minimaxChatRequest,
  replyNameOf,
  toGatewayRequestFromMiniMax,
} from "./minimax-request.ts";
export {
  BASE_OK,
  type BaseResp,
  minimaxCompletionBody,
  minimaxDeltaChunk,
  minimaxFinalChunk,
  minimaxFinishReason,
} from "./minimax-response.ts";
export { MINIMAX_CHAT_PATH, type MiniMaxRoutesOptions, minimaxRoutes } from "./minimax-routes.ts";
