// Public surface of src/chat: a conversation as a state machine that takes input lines and writes output lines
// (send, swipe, rollback, branches, /why), with no terminal in it; `troupe chat` and the server share it.

export { CHAT_HELP } from "./chat-help.ts";
export { type ChatLoopIo, errorText, runChatLoop } from "./chat-loop.ts";
export { ChatSession, type ChatSessionOptions } from "./chat-session.ts";
export { type ChatInput, parseChatInput } from "./slash-command.ts";
