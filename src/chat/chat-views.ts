import type { ChatRow, MessageRow, RatingRow } from "./chat-tables.ts";
import type { ChatTree, PathItem } from "./chat-tree.ts";
import type { ReplySampling } from "./reply-policy.ts";

/** Who the user plays in a chat. */
export interface ChatPersona {
  name: string;
  description: string;
}

/** A chat as listed. */
export interface ChatSummary {
  id: string;
  title: string;
  characterId: string | null;
  characterIds: string[];
  worldId: string | null;
  persona: ChatPersona;
  /** The model name the chat asked for (the server decides what it means). */
  model: string | null;
  sampling: ReplySampling;
  branchedFrom: { chatId: string; messageId: string } | null;
  createdAt: number;
  updatedAt: number;
}

/** A person's rating of a message. */
export interface MessageRating {
  /** 1 up, -1 down, null none. */
  thumbs: 1 | -1 | null;
  stars: number | null;
}

/** One message as a client sees it. */
export interface MessageView {
  id: string;
  chatId: string;
  /** The shown version of the message this one answers (null for greetings). */
  parentId: string | null;
  role: MessageRow["role"];
  speaker: string;
  text: string;
  status: MessageRow["status"];
  origin: MessageRow["origin"];
  finishReason: string | null;
  /** Version within its place: 0 the original, then edits and continuations. */
  version: number;
  editOf: string | null;
  continuedFrom: string | null;
  copiedFrom: string | null;
  /** The candidate-log row of a generated message (feedback events refer to it). */
  candidateId: string | null;
  /** Among its live siblings: index (0-based) and count, "2/5" = index 1 of 5; and their ids to choose from. */
  siblingIndex: number;
  siblingCount: number;
  siblingIds: string[];
  rating: MessageRating | null;
  worldNodeId: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A chat and its shown path. */
export interface ChatView {
  chat: ChatSummary;
  messages: MessageView[];
}

/** The summary of a chat row. */
export function chatSummary(row: ChatRow): ChatSummary {
  return {
    id: row.id,
    title: row.title,
    characterId: row.character_id,
    characterIds: JSON.parse(row.character_ids) as string[],
    worldId: row.world_id,
    persona: { name: row.persona_name, description: row.persona_description },
    model: row.model,
    sampling: JSON.parse(row.sampling) as ReplySampling,
    branchedFrom:
      row.branched_from_chat && row.branched_from_message
        ? { chatId: row.branched_from_chat, messageId: row.branched_from_message }
        : null,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** A rating row as a view. */
export function ratingView(row: RatingRow | undefined): MessageRating | null {
  if (!row) return null;
  return { thumbs: row.thumbs === 1 ? 1 : row.thumbs === -1 ? -1 : null, stars: row.stars ?? null };
}

/** Sibling facts of a message that is not (yet) in a tree: the only one of its kind. */
export interface SiblingInfo {
  siblingIndex: number;
  siblingCount: number;
  siblingIds: string[];
}

/** A message row as a view. */
export function messageView(
  row: MessageRow,
  parentId: string | null,
  siblings: SiblingInfo,
  rating: MessageRating | null = null,
): MessageView {
  return {
    id: row.id,
    chatId: row.chat_id,
    parentId,
    role: row.role,
    speaker: row.speaker,
    text: row.text,
    status: row.status,
    origin: row.origin,
    finishReason: row.finish_reason,
    version: row.version,
    editOf: row.edit_of,
    continuedFrom: row.continued_from,
    copiedFrom: row.copied_from,
    candidateId: row.candidate_id,
    siblingIndex: siblings.siblingIndex,
    siblingCount: siblings.siblingCount,
    siblingIds: siblings.siblingIds,
    rating,
    worldNodeId: row.world_node_id,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** A message in a tree as a view: its parent is the parent slot's shown version. */
export function treeMessageView(
  tree: ChatTree,
  item: PathItem,
  ratings: ReadonlyMap<string, RatingRow> = new Map(),
): MessageView {
  const parentKey = item.slot.parentKey;
  const parentShown = parentKey === "" ? null : (tree.slots.get(parentKey)?.shown?.id ?? parentKey);
  return messageView(item.message, parentShown, item, ratingView(ratings.get(item.message.id)));
}
