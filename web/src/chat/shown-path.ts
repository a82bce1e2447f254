import type { Message } from "../api/types.ts";

/** What the person asked for: a new line (and its reply), or another take on a reply. */
export type Generation = { kind: "send"; text: string } | { kind: "regenerate" | "continue"; message: Message };

/** The reply a generation's `start` event announced (the one shown first). */
export interface StartedReply {
  messageId: string;
  candidateId: string;
  speaker?: string | undefined;
}

/**
 * The row a reply streams into until the server's own view of it arrives: where it sits (a regenerated reply is a
 * new last sibling, a continuation replaces the reply it extends) and what it starts with.
 */
export function placeholderReply(
  generation: Generation,
  started: StartedReply,
  path: readonly Message[],
  chatId: string,
  fallbackSpeaker: string,
): Message {
  const target = generation.kind === "send" ? undefined : generation.message;
  const regenerate = generation.kind === "regenerate" && target;
  const now = Date.now();
  return {
    id: started.messageId,
    chatId,
    parentId: target ? target.parentId : (path[path.length - 1]?.id ?? null),
    role: "assistant",
    speaker: started.speaker ?? target?.speaker ?? lastSpeaker(path) ?? fallbackSpeaker,
    text: generation.kind === "continue" ? generation.message.text : "",
    status: "streaming",
    origin: generation.kind === "continue" ? "continue" : "generated",
    finishReason: null,
    version: 1,
    editOf: null,
    continuedFrom: generation.kind === "continue" ? generation.message.id : null,
    copiedFrom: null,
    candidateId: started.candidateId || null,
    siblingIndex: regenerate ? target.siblingCount : (target?.siblingIndex ?? 0),
    siblingCount: regenerate ? target.siblingCount + 1 : (target?.siblingCount ?? 1),
    siblingIds: [],
    rating: null,
    worldNodeId: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** The shown path with a streaming reply in place: appended, or in place of the reply it replaces (what followed
 * that reply belonged to it and leaves the path). */
export function withReply(path: readonly Message[], reply: Message, replacing?: Message): Message[] {
  if (!replacing) return [...path, reply];
  const at = path.findIndex((m) => m.id === replacing.id);
  return at >= 0 ? [...path.slice(0, at), reply] : [...path, reply];
}

/** The path with one message swapped for the server's version of it. */
export function withMessage(path: readonly Message[], message: Message): Message[] {
  return path.map((m) => (m.id === message.id ? message : m));
}

/** The speaker of the last reply on the path. */
export function lastSpeaker(path: readonly Message[]): string | undefined {
  for (let i = path.length - 1; i >= 0; i--) if (path[i]?.role === "assistant") return path[i]?.speaker;
  return undefined;
}
