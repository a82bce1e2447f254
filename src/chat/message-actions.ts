import { ChatError } from "./chat-error.ts";
import { loadChat, messageIn, newMessage, select } from "./chat-records.ts";
import { chatDb } from "./chat-tables.ts";
import type { PathItem } from "./chat-tree.ts";
import { type ChatView, type MessageRating, type MessageView, ratingView, treeMessageView } from "./chat-views.ts";
import { insertVersion, touch } from "./chat-writes.ts";
import type { ChatContext } from "./chats.ts";
import { readChat } from "./chats.ts";

/** A rating to set (absent fields keep their value; null clears). */
export interface RatingInput {
  thumbs?: 1 | -1 | null;
  stars?: number | null;
}

/** Choose which sibling (swipe) is shown under its parent. */
export async function selectMessage(
  ctx: ChatContext,
  ownerId: string,
  chatId: string,
  messageId: string,
): Promise<ChatView> {
  const db = await chatDb(ctx.store);
  const chat = await loadChat(db, ownerId, chatId, ctx.now());
  const message = messageIn(chat, messageId);
  await select(db, { chatId, ownerId, parentKey: message.parent_key, slotId: message.slot_id, now: ctx.now() });
  return readChat(ctx, ownerId, chatId);
}

/** Edit a message: a new version replaces it on the path; the original is kept and linked by `editOf`. */
export async function editMessage(
  ctx: ChatContext,
  ownerId: string,
  chatId: string,
  messageId: string,
  text: string,
): Promise<MessageView> {
  const db = await chatDb(ctx.store);
  const chat = await loadChat(db, ownerId, chatId, ctx.now());
  const message = messageIn(chat, messageId);
  if (message.status === "streaming") throw streamingConflict(messageId);
  const row = await insertVersion(ctx.now, db, chat, message, (version) =>
    newMessage({
      ...message,
      id: ctx.ids(),
      text,
      status: "complete",
      origin: "edit",
      finish_reason: null,
      edit_of: message.id,
      continued_from: null,
      copied_from: null,
      candidate_id: null,
      client_message_id: null,
      lease_until: null,
      version,
      now: ctx.now(),
    }),
  );
  const fresh = await loadChat(db, ownerId, chatId, ctx.now());
  const item = fresh.tree.chainTo(row.slot_id).at(-1) as PathItem;
  return treeMessageView(fresh.tree, item);
}

/**
 * Delete a message (soft: every version is kept, marked deleted). It leaves the path; if it was the shown swipe,
 * a neighbouring sibling is shown, else what followed it stays on the path.
 */
export async function deleteMessage(
  ctx: ChatContext,
  ownerId: string,
  chatId: string,
  messageId: string,
): Promise<void> {
  const db = await chatDb(ctx.store);
  const chat = await loadChat(db, ownerId, chatId, ctx.now());
  const message = messageIn(chat, messageId);
  const now = ctx.now();
  const siblings = chat.tree.liveChildren(message.parent_key);
  const index = siblings.findIndex((s) => s.id === message.slot_id);
  const neighbour = siblings[index - 1] ?? siblings[index + 1];
  const shownSlot = chat.tree.shownPath().find((i) => i.slot.parentKey === message.parent_key)?.slot.id;
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable("chat_messages")
      .set({ deleted_at: now, updated_at: now })
      .where("slot_id", "=", message.slot_id)
      .where("chat_id", "=", chatId)
      .where("owner_id", "=", ownerId)
      .where("deleted_at", "is", null)
      .execute();
    if (neighbour && (shownSlot === message.slot_id || shownSlot === undefined))
      await select(trx, { chatId, ownerId, parentKey: message.parent_key, slotId: neighbour.id, now });
    await touch(trx, ownerId, chatId, now);
  });
}

/** Rate a message: thumbs up/down and an optional 1–5; absent fields keep their value, null clears. */
export async function rateMessage(
  ctx: ChatContext,
  ownerId: string,
  chatId: string,
  messageId: string,
  input: RatingInput,
): Promise<MessageRating> {
  if (
    input.stars !== undefined &&
    input.stars !== null &&
    !(Number.isInteger(input.stars) && input.stars >= 1 && input.stars <= 5)
  )
    throw new ChatError("invalid", "rating.invalid", "Stars must be a whole number from 1 to 5.", {
      hint: "Send stars as 1, 2, 3, 4 or 5, or null to clear them.",
    });
  const db = await chatDb(ctx.store);
  const chat = await loadChat(db, ownerId, chatId, ctx.now(), true);
  messageIn(chat, messageId);
  const old = chat.ratings.get(messageId);
  const thumbs = input.thumbs === undefined ? (old?.thumbs ?? null) : input.thumbs;
  const stars = input.stars === undefined ? (old?.stars ?? null) : input.stars;
  const now = ctx.now();
  await db
    .insertInto("chat_ratings")
    .values({ message_id: messageId, owner_id: ownerId, chat_id: chatId, thumbs, stars, updated_at: now })
    .onConflict((oc) => oc.column("message_id").doUpdateSet({ thumbs, stars, updated_at: now }))
    .execute();
  return ratingView({
    message_id: messageId,
    owner_id: ownerId,
    chat_id: chatId,
    thumbs,
    stars,
    updated_at: now,
  }) as MessageRating;
}

/**
 * At server start: replies left `streaming` by a process that died (their lease ran out before `now`) become
 * `incomplete` (finish reason "interrupted"), with their candidate-log rows. Across owners: it is maintenance.
 */
export async function recoverInterrupted(ctx: ChatContext, now: number = ctx.now()): Promise<number> {
  const db = await chatDb(ctx.store);
  return db.transaction().execute(async (trx) => {
    const stale = await trx
      .selectFrom("chat_messages")
      .select(["id", "candidate_id"])
      .where("status", "=", "streaming")
      .where("lease_until", "<", now)
      .execute();
    if (stale.length === 0) return 0;
    const ids = stale.map((s) => s.id);
    await trx
      .updateTable("chat_messages")
      .set({ status: "incomplete", finish_reason: "interrupted", lease_until: null, updated_at: now })
      .where("id", "in", ids)
      .where("status", "=", "streaming")
      .execute();
    const candidates = stale.map((s) => s.candidate_id).filter((c): c is string => c !== null);
    if (candidates.length)
      await trx
        .updateTable("chat_candidates")
        .set({ status: "incomplete", finish_reason: "interrupted", updated_at: now })
        .where("id", "in", candidates)
        .where("status", "=", "streaming")
        .execute();
    return stale.length;
  });
}

/** Refuse to change a reply while it is being written. */
export function streamingConflict(messageId: string): ChatError {
  return new ChatError("conflict", "message.streaming", `Message "${messageId}" is still being written.`, {
    hint: "Wait for the reply to finish (or stop it), then try again.",
  });
}
