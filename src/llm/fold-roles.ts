import type { ChatMessage } from "./chat-message.ts";

const FOLDED = new Set(["user_system", "group", "sample_message_user", "sample_message_ai"]);

/**
 * Rewrite MiniMax's role-play roles for providers that only know system/user/assistant: the user persona, the
 * scene and the example exchanges become labelled paragraphs of the first system message (created if there is
 * none), in their original order. Nothing is dropped, so every backend sees the same information.
 */
export function foldRoleplayRoles(messages: readonly ChatMessage[]): ChatMessage[] {
  if (!messages.some((m) => FOLDED.has(m.role))) return [...messages];
  const paragraphs: string[] = [];
  let examples: string[] = [];
  const flushExamples = () => {
    if (examples.length === 0) return;
    paragraphs.push(`Example dialogue (a style reference, not part of the conversation):\n${examples.join("\n")}`);
    examples = [];
  };
  const rest: ChatMessage[] = [];
  for (const m of messages) {
    switch (m.role) {
      case "user_system":
        flushExamples();
        paragraphs.push(`The user's persona${m.name ? ` (${m.name})` : ""}: ${m.content}`);
        break;
      case "group":
        flushExamples();
        paragraphs.push(`Scene: ${m.content || m.name || ""}`);
        break;
      case "sample_message_user":
        examples.push(`${m.name ?? "User"}: ${m.content}`);
        break;
      case "sample_message_ai":
        examples.push(`${m.name ?? "Character"}: ${m.content}`);
        break;
      default:
        rest.push(m);
    }
  }
  flushExamples();
  const folded = paragraphs.join("\n\n");
  const firstSystem = rest.findIndex((m) => m.role === "system");
  if (firstSystem === -1) return [{ role: "system", content: folded }, ...rest];
  const system = rest[firstSystem] as ChatMessage;
  rest[firstSystem] = { ...system, content: system.content ? `${system.content}\n\n${folded}` : folded };
  return rest;
}
