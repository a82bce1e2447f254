import type { ChatHistoryItem } from "node-llama-cpp";
import type { ChatMessage } from "../chat-message.ts";
import { foldRoleplayRoles } from "../fold-roles.ts";

/**
 * Short on purpose: without a system message node-llama-cpp's chat session would inject a long default prompt, and a
 * small model spends its few layers better on the conversation than on boilerplate.
 */
export const DEFAULT_LOCAL_SYSTEM_PROMPT = "You are a helpful assistant.";

/**
 * Map troupe's messages onto node-llama-cpp's chat history. MiniMax's role-play roles (persona, scene, example
 * lines) are folded into the system message exactly as for every other provider that lacks them, so all backends
 * see the same prompt. Consecutive system texts are merged; a short default system prompt is added when the
 * conversation has none. A trailing assistant message is kept as the start of the answer (the model continues it).
 */
export function toLocalChatHistory(
  messages: readonly ChatMessage[],
  defaultSystemPrompt: string = DEFAULT_LOCAL_SYSTEM_PROMPT,
): ChatHistoryItem[] {
  const folded = foldRoleplayRoles(messages);
  const assistantNames = new Set(folded.filter((m) => m.role === "assistant" && m.name).map((m) => m.name));
  // Only name the assistant's turns when several characters speak; a single character's name would just be echoed.
  const nameAssistant = assistantNames.size > 1;
  const history: ChatHistoryItem[] = [];
  for (const message of folded) {
    const name = message.name?.trim();
    if (message.role === "user") {
      history.push({ type: "user", text: name ? `${name}: ${message.content}` : message.content });
    } else if (message.role === "assistant") {
      history.push({
        type: "model",
        response: [nameAssistant && name ? `${name}: ${message.content}` : message.content],
      });
    } else {
      const last = history.at(-1);
      if (last?.type === "system" && typeof last.text === "string") last.text = `${last.text}\n\n${message.content}`;
      else history.push({ type: "system", text: message.content });
    }
  }
  if (history[0]?.type !== "system") history.unshift({ type: "system", text: defaultSystemPrompt });
  return history;
}
