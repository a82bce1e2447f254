import type { Kysely } from "kysely";
import type { LoadedChat } from "./chat-records.ts";
import { isUniqueViolation, select } from "./chat-records.ts";
import type { ChatRow, ChatTables, MessageRow } from "./chat-tables.ts";

/** The message a client sent with this id, if it was stored. */
export async function byClientId(db: Kysely<ChatTables>, chat: LoadedChat, clientId: string) {
  return db
    .selectFrom("chat_messages")
    .selectAll()
    .where("chat_id", "=", chat.row.id)
    .where("owner_id", "=", chat.row.owner_id)
    .where("client_message_id", "=", clientId)
    .executeTakeFirst();
}

/** Mark a chat active (chats are listed most recently active first). */
export async function touch(db: Kysely<ChatTables>, ownerId: string, chatId: string, now: number): Promise<void> {
  await db
    .updateTable("chat_chats")
    .set({ updated_at: now })
    .where("id", "=", chatId)
    .where("owner_id", "=", ownerId)
    .execute();
}

/**
 * Insert new sibling slots under one parent at the next free positions (in the given order) and select one.
 * A racing writer that took the same position makes the insert fail; it is retried with fresh positions.
 */
export async function insertSlots(
  now: () => number,
  db: Kysely<ChatTables>,
  chat: ChatRow,
  rows: MessageRow[],
  selectId: string,
  extra?: (trx: Kysely<ChatTables>) => Promise<void>,
): Promise<void> {
  const parentKey = (rows[0] as MessageRow).parent_key;
  const offsets = rows.map((r) => r.position);
  for (let attempt = 0; ; attempt++) {
    try {
      await db.transaction().execute(async (trx) => {
        const top = await trx
          .selectFrom("chat_messages")
          .select((eb) => eb.fn.max("position").as("top"))
          .where("chat_id", "=", chat.id)
          .where("parent_key", "=", parentKey)
          .executeTakeFirst();
        const base = top?.top === null || top?.top === undefined ? 0 : Number(top.top) + 1;
        rows.forEach((r, i) => {
          r.position = base + (offsets[i] as number);
        });
        await trx.insertInto("chat_messages").values(rows).execute();
        await select(trx, { chatId: chat.id, ownerId: chat.owner_id, parentKey, slotId: selectId, now: now() });
        await extra?.(trx);
        await touch(trx, chat.owner_id, chat.id, now());
      });
      return;
    } catch (error) {
      if (attempt >= 5 || !isUniqueViolation(error)) throw error;
    }
  }
}

/** Insert a new version of a message's slot (an edit or a continuation), retrying if another version raced it. */
export async function insertVersion(
  now: () => number,
  db: Kysely<ChatTables>,
  chat: LoadedChat,
  message: MessageRow,
  build: (version: number) => MessageRow,
  extra?: (trx: Kysely<ChatTables>, row: MessageRow) => Promise<void>,
): Promise<MessageRow> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction().execute(async (trx) => {
        const top = await trx
          .selectFrom("chat_messages")
          .select((eb) => eb.fn.max("version").as("top"))
          .where("slot_id", "=", message.slot_id)
          .where("chat_id", "=", chat.row.id)
          .executeTakeFirst();
        const row = build(Number(top?.top ?? 0) + 1);
        row.slot_id = message.slot_id;
        row.parent_id = message.parent_id;
        row.parent_key = message.parent_key;
        row.position = message.position;
        await trx.insertInto("chat_messages").values(row).execute();
        await extra?.(trx, row);
        await touch(trx, chat.row.owner_id, chat.row.id, now());
        return row;
      });
    } catch (error) {
      if (attempt >= 5 || !isUniqueViolation(error)) throw error;
    }
  }
}
