import { type CharacterCardV3, expandMacros, macroContextFromCard } from "../cards/index.ts";
import type { Store } from "../store/index.ts";
import { deleteWorld } from "../world/index.ts";
import { getCharacter } from "./characters.ts";
import { ChatError } from "./chat-error.ts";
import { chatRow, loadChat, messageIn, newMessage, select } from "./chat-records.ts";
import { type ChatRow, chatDb, type MessageRow } from "./chat-tables.ts";
import { type ChatPersona, type ChatSummary, type ChatView, chatSummary, treeMessageView } from "./chat-views.ts";
import type { ReplySampling } from "./reply-policy.ts";

/** A new chat. */
export interface CreateChatInput {
  characterId: string;
  persona?: ChatPersona;
  model?: string | null;
  sampling?: ReplySampling;
  title?: string;
}

/** What the chat functions need: the store, a clock and an id source. */
export interface ChatContext {
  store: Store;
  now: () => number;
  ids: () => string;
}

/**
 * Start a chat with a character: the card's first message is the greeting, its alternate greetings are the
 * greeting's sibling swipes (authored, not generated), with {{char}}/{{user}} expanded for the persona.
 */
export async function createChat(ctx: ChatContext, ownerId: string, input: CreateChatInput): Promise<ChatView> {
  const character = await getCharacter(ctx, ownerId, input.characterId);
  const db = await chatDb(ctx.store);
  const now = ctx.now();
  const persona = input.persona ?? { name: "User", description: "" };
  const row: ChatRow = {
    id: ctx.ids(),
    owner_id: ownerId,
    character_id: character.id,
    character_ids: JSON.stringify([character.id]),
    world_id: null,
    persona_name: persona.name || "User",
    persona_description: persona.description,
    model: input.model ?? null,
    sampling: JSON.stringify(input.sampling ?? {}),
    title: input.title?.trim() || character.name,
    branched_from_chat: null,
    branched_from_message: null,
    created_at: now,
    updated_at: now,
  };
  const greetings = greetingsOf(character.card, row.persona_name);
  const messages = greetings.map((text, position) =>
    newMessage({
      id: ctx.ids(),
      owner_id: ownerId,
      chat_id: row.id,
      parent_id: null,
      role: "assistant",
      speaker: character.name,
      text,
      status: "complete",
      origin: "greeting",
      position,
      now,
    }),
  );
  await db.transaction().execute(async (trx) => {
    await trx.insertInto("chat_chats").values(row).execute();
    if (messages.length > 0) {
      await trx.insertInto("chat_messages").values(messages).execute();
      const first = messages[0] as MessageRow;
      await select(trx, { chatId: row.id, ownerId, parentKey: "", slotId: first.id, now });
    }
  });
  return readChat(ctx, ownerId, row.id);
}

/** The owner's chats, most recently active first. */
export async function listChats(ctx: ChatContext, ownerId: string): Promise<ChatSummary[]> {
  const db = await chatDb(ctx.store);
  const rows = await db
    .selectFrom("chat_chats")
    .selectAll()
    .where("owner_id", "=", ownerId)
    .orderBy("updated_at", "desc")
    .orderBy("id")
    .execute();
  return rows.map(chatSummary);
}

/** What can change about a chat after it started: absent fields keep their value; `model: null` is the default. */
export interface ChatSettings {
  persona?: ChatPersona;
  model?: string | null;
  sampling?: ReplySampling;
  title?: string;
}

/**
 * Change a chat's persona, model, sampling or title; later replies use them (the candidate log records what each
 * reply was generated with). A world-backed chat's persona is its world's user, so it cannot change here.
 */
export async function updateChatSettings(
  ctx: ChatContext,
  ownerId: string,
  chatId: string,
  settings: ChatSettings,
): Promise<ChatSummary> {
  const db = await chatDb(ctx.store);
  const row = await chatRow(db, ownerId, chatId);
  if (settings.persona && row.world_id)
    throw new ChatError(
      "invalid",
      "chat.world_persona",
      "A world-backed chat's persona is the world's user and cannot change; start a new world chat instead.",
    );
  const title = settings.title?.trim();
  await db
    .updateTable("chat_chats")
    .set({
      ...(settings.persona
        ? { persona_name: settings.persona.name, persona_description: settings.persona.description }
        : {}),
      ...(settings.model === undefined ? {} : { model: settings.model }),
      ...(settings.sampling ? { sampling: JSON.stringify(settings.sampling) } : {}),
      ...(title ? { title } : {}),
      updated_at: ctx.now(),
    })
    .where("id", "=", chatId)
    .where("owner_id", "=", ownerId)
    .execute();
  return chatSummary(await chatRow(db, ownerId, chatId));
}

/** A chat's summary (what the server needs to resolve its reply policy). */
export async function readChatSummary(ctx: ChatContext, ownerId: string, chatId: string): Promise<ChatSummary> {
  return chatSummary(await chatRow(await chatDb(ctx.store), ownerId, chatId));
}

/** A chat and its shown path: per parent the selected sibling, each with "i/n", its siblings and candidate id. */
export async function readChat(ctx: ChatContext, ownerId: string, chatId: string): Promise<ChatView> {
  const chat = await loadChat(await chatDb(ctx.store), ownerId, chatId, ctx.now(), true);
  return {
    chat: chatSummary(chat.row),
    messages: chat.tree.shownPath().map((item) => treeMessageView(chat.tree, item, chat.ratings)),
  };
}

/**
 * Delete a chat with its messages, selections, ratings and candidate-log rows; a world-backed chat's world goes
 * with it once no other chat is on it (its lines are the user's too).
 */
export async function deleteChat(ctx: ChatContext, ownerId: string, chatId: string): Promise<void> {
  const db = await chatDb(ctx.store);
  const worldId = await db.transaction().execute(async (trx) => {
    const row = await chatRow(trx, ownerId, chatId);
    for (const table of ["chat_messages", "chat_selections", "chat_ratings", "chat_candidates"] as const)
      await trx.deleteFrom(table).where("chat_id", "=", chatId).where("owner_id", "=", ownerId).execute();
    await trx.deleteFrom("chat_chats").where("id", "=", chatId).where("owner_id", "=", ownerId).execute();
    return row.world_id;
  });
  if (!worldId) return;
  const others = await db.selectFrom("chat_chats").select("id").where("world_id", "=", worldId).executeTakeFirst();
  if (!others) await deleteWorld(ctx.store, worldId);
}

/**
 * Branch: a new chat whose path is a copy of the path up to `messageId` (that version of it), linked to its
 * source (`branchedFrom`, and each copied message's `copiedFrom`; generated copies keep their candidate ids).
 */
export async function branchChat(
  ctx: ChatContext,
  ownerId: string,
  chatId: string,
  messageId: string,
  input: { title?: string } = {},
) {
  const db = await chatDb(ctx.store);
  const source = await loadChat(db, ownerId, chatId, ctx.now());
  const target = messageIn(source, messageId);
  const chain = source.tree.chainTo(target.slot_id).map((item) => item.message);
  chain[chain.length - 1] = target;
  const now = ctx.now();
  const row: ChatRow = {
    ...source.row,
    id: ctx.ids(),
    title: input.title?.trim() || `${source.row.title} (branch)`,
    branched_from_chat: chatId,
    branched_from_message: messageId,
    created_at: now,
    updated_at: now,
  };
  let parent: string | null = null;
  const copies = chain.map((m) => {
    const copy = newMessage({
      ...m,
      id: ctx.ids(),
      chat_id: row.id,
      parent_id: parent,
      parent_key: parent ?? "",
      status: m.status === "streaming" ? "incomplete" : m.status,
      edit_of: null,
      continued_from: null,
      copied_from: m.id,
      client_message_id: null,
      lease_until: null,
      version: 0,
      position: 0,
      now,
    });
    copy.slot_id = copy.id;
    parent = copy.id;
    return copy;
  });
  await db.transaction().execute(async (trx) => {
    await trx.insertInto("chat_chats").values(row).execute();
    if (copies.length) await trx.insertInto("chat_messages").values(copies).execute();
    for (const c of copies) await select(trx, { chatId: row.id, ownerId, parentKey: c.parent_key, slotId: c.id, now });
  });
  return readChat(ctx, ownerId, row.id);
}

/** The card's greetings (first message, then alternates), macros expanded for the persona; empty ones left out. */
function greetingsOf(card: CharacterCardV3, user: string): string[] {
  const ctx = macroContextFromCard(card, user);
  return [card.data.first_mes, ...card.data.alternate_greetings]
    .filter((g) => g.trim() !== "")
    .map((g) => expandMacros(g, ctx));
}
