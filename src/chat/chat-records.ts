import type { Kysely, Transaction } from "kysely";
import type { ChatMessage } from "../llm/index.ts";
import { chatNotFound } from "./chat-error.ts";
import type { ChatRow, ChatTables, MessageRow, RatingRow } from "./chat-tables.ts";
import { ChatTree, type PathItem } from "./chat-tree.ts";

/** A chat loaded for one operation: its row, its message tree and its ratings, all of one owner. */
export interface LoadedChat {
  row: ChatRow;
  tree: ChatTree;
  ratings: Map<string, RatingRow>;
}

type Db = Kysely<ChatTables> | Transaction<ChatTables>;

/** The chat row, or not-found when it is missing or someone else's. */
export async function chatRow(db: Db, ownerId: string, chatId: string): Promise<ChatRow> {
  const row = await db
    .selectFrom("chat_chats")
    .selectAll()
    .where("id", "=", chatId)
    .where("owner_id", "=", ownerId)
    .executeTakeFirst();
  if (!row) throw chatNotFound("chat", chatId);
  return row;
}

/**
 * A chat with every message version (deleted ones too) and its selections and ratings. A reply still marked
 * `streaming` whose lease ran out before `now` is read as incomplete ("interrupted"): its writer died, and
 * recoverInterrupted will store that later.
 */
export async function loadChat(
  db: Db,
  ownerId: string,
  chatId: string,
  now: number,
  withRatings = false,
): Promise<LoadedChat> {
  const row = await chatRow(db, ownerId, chatId);
  const [messages, selections, ratings] = await Promise.all([
    db.selectFrom("chat_messages").selectAll().where("chat_id", "=", chatId).where("owner_id", "=", ownerId).execute(),
    db
      .selectFrom("chat_selections")
      .select(["parent_key", "slot_id"])
      .where("chat_id", "=", chatId)
      .where("owner_id", "=", ownerId)
      .execute(),
    withRatings
      ? db
          .selectFrom("chat_ratings")
          .selectAll()
          .where("chat_id", "=", chatId)
          .where("owner_id", "=", ownerId)
          .execute()
      : Promise.resolve([] as RatingRow[]),
  ]);
  for (const m of messages)
    if (m.status === "streaming" && m.lease_until !== null && Number(m.lease_until) < now) {
      m.status = "incomplete";
      m.finish_reason = "interrupted";
    }
  const tree = new ChatTree(messages, new Map(selections.map((s) => [s.parent_key, s.slot_id])));
  return { row, tree, ratings: new Map(ratings.map((r) => [r.message_id, r])) };
}

/** A message of a loaded chat by id, or not-found. */
export function messageIn(chat: LoadedChat, messageId: string): MessageRow {
  const message = chat.tree.message(messageId);
  if (!message || message.deleted_at !== null) throw chatNotFound("message", messageId);
  return message;
}

/** Path items as model messages: empty texts (replies that failed before a word) are left out. */
export function historyOf(items: readonly PathItem[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const { message } of items) {
    if (message.text === "") continue;
    out.push({ role: message.role, content: message.text, ...(message.speaker ? { name: message.speaker } : {}) });
  }
  return out;
}

/** Choose the shown sibling under a parent. */
export async function select(
  db: Db,
  row: { chatId: string; ownerId: string; parentKey: string; slotId: string; now: number },
): Promise<void> {
  await db
    .insertInto("chat_selections")
    .values({
      chat_id: row.chatId,
      parent_key: row.parentKey,
      owner_id: row.ownerId,
      slot_id: row.slotId,
      updated_at: row.now,
    })
    .onConflict((oc) => oc.columns(["chat_id", "parent_key"]).doUpdateSet({ slot_id: row.slotId, updated_at: row.now }))
    .execute();
}

/** True for a unique-constraint violation on SQLite or PostgreSQL (a racing writer took the same place). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return (
    e?.code === "23505" ||
    e?.code === "SQLITE_CONSTRAINT_UNIQUE" ||
    e?.code === "SQLITE_CONSTRAINT_PRIMARYKEY" ||
    (typeof e?.message === "string" && e.message.includes("UNIQUE constraint failed"))
  );
}

/** A new message row with the defaults every insert shares. */
export function newMessage(
  fields: Pick<
    MessageRow,
    "id" | "owner_id" | "chat_id" | "parent_id" | "role" | "speaker" | "text" | "status" | "origin"
  > &
    Partial<MessageRow> & { now: number },
): MessageRow {
  const { now, ...rest } = fields;
  return {
    parent_key: fields.parent_id ?? "",
    slot_id: fields.id,
    version: 0,
    position: 0,
    finish_reason: null,
    edit_of: null,
    continued_from: null,
    copied_from: null,
    candidate_id: null,
    client_message_id: null,
    world_node_id: null,
    lease_until: null,
    deleted_at: null,
    created_at: now,
    updated_at: now,
    ...rest,
  };
}
