/**
 * Roles a message can carry. The first three are the OpenAI set; the rest are MiniMax's role-play roles, which
 * other providers fold into system text (see each provider) so one request shape serves every backend.
 */
export type ChatRole =
  | "system"
  | "user"
  | "assistant"
  /** The user's persona in a role-play (MiniMax). */
  | "user_system"
  /** The name of the scene or conversation (MiniMax). */
  | "group"
  /** An example of what the user might say (MiniMax). */
  | "sample_message_user"
  /** An example of how the character answers (MiniMax). */
  | "sample_message_ai";

/** One message of a conversation. */
export interface ChatMessage {
  role: ChatRole;
  content: string;
  /** Optional speaker name; tells apart several messages of one role (several characters, several users). */
  name?: string;
}
