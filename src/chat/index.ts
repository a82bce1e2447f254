// Public surface of src/chat: a conversation as a state machine that takes input lines and writes output lines
// (send, swipe, rollback, branches, /why), with no terminal in it; `troupe chat` and the server share it. And
// conversations as data (issue 14): characters, chat trees, streamed replies and the candidate log (ChatService).

export {
  type CandidateKind,
  type CandidateLogEntry,
  type CandidateQuery,
  type CandidateRecord,
  listCandidates,
  logCandidates,
} from "./candidate-log.ts";
export { CardCache, sharedCardCache } from "./character-cache.ts";
export {
  CHARACTER_PROMPT_VERSION,
  type CharacterPrompt,
  type CharacterPromptInput,
  characterPrompt,
  type Persona,
  type PromptCharacter,
  type PromptManifest,
} from "./character-prompt.ts";
export type {
  Character,
  CharacterExportFormat,
  CharacterFields,
  CharacterSource,
  CharacterSummary,
} from "./characters.ts";
export { ChatError, type ChatErrorKind, chatNotFound } from "./chat-error.ts";
export { CHAT_HELP } from "./chat-help.ts";
export { type ChatLoopIo, errorText, runChatLoop } from "./chat-loop.ts";
export { ChatService, type ChatServiceOptions, type GenerateOptions, type SendInput } from "./chat-service.ts";
export { ChatSession, type ChatSessionOptions } from "./chat-session.ts";
export { CHAT_MIGRATIONS, type ChatTables, chatDb } from "./chat-tables.ts";
export type { ChatPersona, ChatSummary, ChatView, MessageRating, MessageView } from "./chat-views.ts";
export type { ChatContext, ChatSettings, CreateChatInput } from "./chats.ts";
export { chooseDisplayOrder, type DisplayOrder, orderPropensity } from "./display-order.ts";
export { type CachedLore, LoreCache, sharedLoreCache } from "./lore-cache.ts";
export type { RatingInput } from "./message-actions.ts";
export { policyRecord, type ReplyPolicy, type ReplySampling, replyRequest } from "./reply-policy.ts";
export type { ReplyEvent } from "./reply-run.ts";
export { type ChatInput, parseChatInput } from "./slash-command.ts";
export * from "./world-chat.ts";
export * from "./world-chat-rows.ts";
export * from "./world-chat-shown.ts";
export * from "./world-chat-start.ts";
