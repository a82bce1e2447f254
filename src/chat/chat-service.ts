import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { type CharacterCardV3, expandMacros, macroContextFromCard } from "../cards/index.ts";
import { createRng, type Rng } from "../core/index.ts";
import type { Store } from "../store/index.ts";
import {
  type CandidateLogEntry,
  type CandidateQuery,
  type CandidateRecord,
  listCandidates,
  logCandidates,
} from "./candidate-log.ts";
import { type CardCache, sharedCardCache } from "./character-cache.ts";
import type { PromptCharacter } from "./character-prompt.ts";
import {
  type Character,
  type CharacterContext,
  type CharacterExportFormat,
  type CharacterFields,
  type CharacterSummary,
  characterAvatar,
  createCharacter,
  deleteCharacter,
  exportCharacter,
  getCharacter,
  importCharacter,
  listCharacters,
  updateCharacter,
} from "./characters.ts";
import { ChatError, chatNotFound } from "./chat-error.ts";
import { chatRow, isUniqueViolation, loadChat, messageIn, newMessage, select } from "./chat-records.ts";
import { type ChatRow, type ChatTables, chatDb, type MessageRow } from "./chat-tables.ts";
import type { PathItem } from "./chat-tree.ts";
import {
  type ChatPersona,
  type ChatSummary,
  type ChatView,
  chatSummary,
  type MessageRating,
  type MessageView,
  ratingView,
  treeMessageView,
} from "./chat-views.ts";
import { byClientId, insertSlots, insertVersion, touch } from "./chat-writes.ts";
import { type LoreCache, sharedLoreCache } from "./lore-cache.ts";
import type { ReplyPolicy, ReplySampling } from "./reply-policy.ts";
import type { ReplyEvent } from "./reply-run.ts";
import { generateReplies, type ReplyDeps } from "./reply-start.ts";

/** How a ChatService is built. Clocks, ids and randomness come in from outside so tests replay exactly. */
export interface ChatServiceOptions {
  store: Store;
  now?: () => number;
  ids?: () => string;
  /** Seeded source for the randomized display order of several candidates. */
  rng?: Rng;
  /** Share (0..1) of multi-candidate requests whose displayed order is randomly permuted (default 0). */
  randomizeShare?: number;
  /** How long a streaming reply's lease lasts without a heartbeat (default 30 s). */
  leaseMs?: number;
  /** Heartbeat: partial text and lease are saved at most this often while streaming (default 1 s). */
  saveEveryMs?: number;
  loreCache?: LoreCache;
  cardCache?: CardCache;
}

/** A new chat. */
export interface CreateChatInput {
  characterId: string;
  persona?: ChatPersona;
  model?: string | null;
  sampling?: ReplySampling;
  title?: string;
}

/** A user message to send. */
export interface SendInput {
  text: string;
  /** The client's id for this message: sending it again returns what the first send stored. */
  clientMessageId?: string;
  /** How many reply candidates to generate (siblings; default 1, at most 8). */
  candidates?: number;
}

/** Options of a generation. */
export interface GenerateOptions {
  candidates?: number;
  /** Aborting it (the client left) cancels the upstream call; partial text is kept as incomplete. */
  signal?: AbortSignal;
}

/** A rating to set (absent fields keep their value; null clears). */
export interface RatingInput {
  thumbs?: 1 | -1 | null;
  stars?: number | null;
}

/**
 * Conversations as data: characters, chats as message trees (swipes, edits, continuations and deletions never
 * destroy an alternative), streamed generation with leases, and the candidate log. Every method takes the owner
 * first and scopes every query by it; another owner's row is "not found".
 */
export class ChatService {
  private readonly store: Store;
  private readonly now: () => number;
  private readonly ids: () => string;
  private readonly ctx: CharacterContext;
  private readonly replyDeps: ReplyDeps;

  constructor(options: ChatServiceOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.ids = options.ids ?? randomUUID;
    this.ctx = { store: this.store, now: this.now, ids: this.ids };
    this.replyDeps = {
      ...this.ctx,
      rng: options.rng ?? createRng(randomUUID()),
      share: options.randomizeShare ?? 0,
      leaseMs: options.leaseMs ?? 30_000,
      saveEveryMs: options.saveEveryMs ?? 1_000,
      loreCache: options.loreCache ?? sharedLoreCache,
      cardCache: options.cardCache ?? sharedCardCache,
    };
  }

  private db(): Promise<Kysely<ChatTables>> {
    return chatDb(this.store);
  }

  // Characters -----------------------------------------------------------------------------------------------

  /** Import a PNG/JSON/CharX card. */
  importCharacter(ownerId: string, bytes: Uint8Array): Promise<Character> {
    return importCharacter(this.ctx, ownerId, bytes);
  }
  /** Create a character from card fields. */
  createCharacter(ownerId: string, fields: CharacterFields & { name: string }): Promise<Character> {
    return createCharacter(this.ctx, ownerId, fields);
  }
  /** One character. */
  getCharacter(ownerId: string, id: string): Promise<Character> {
    return getCharacter(this.ctx, ownerId, id);
  }
  /** The owner's characters. */
  listCharacters(ownerId: string): Promise<CharacterSummary[]> {
    return listCharacters(this.ctx, ownerId);
  }
  /** Change card fields (bumps the version). */
  updateCharacter(ownerId: string, id: string, fields: CharacterFields): Promise<Character> {
    return updateCharacter(this.ctx, ownerId, id, fields);
  }
  /** The card as JSON, PNG or CharX bytes. */
  exportCharacter(ownerId: string, id: string, format: CharacterExportFormat) {
    return exportCharacter(this.ctx, ownerId, id, format);
  }
  /** The avatar PNG, if any. */
  characterAvatar(ownerId: string, id: string): Promise<Uint8Array | undefined> {
    return characterAvatar(this.ctx, ownerId, id);
  }
  /**
   * A character as characterPrompt needs it, for the /v1 gateway's "character:<id>" models: the card is parsed
   * once per character version and cached. Not-found for a missing or someone else's character.
   */
  async promptCharacter(ownerId: string, characterId: string): Promise<PromptCharacter> {
    const character = await this.replyDeps.cardCache.load(await this.db(), ownerId, characterId);
    if (!character) throw chatNotFound("character", characterId);
    return character;
  }
  /** Delete a character. */
  deleteCharacter(ownerId: string, id: string): Promise<void> {
    return deleteCharacter(this.ctx, ownerId, id);
  }

  // Chats ----------------------------------------------------------------------------------------------------

  /**
   * Start a chat with a character: the card's first message is the greeting, its alternate greetings are the
   * greeting's sibling swipes (authored, not generated), with {{char}}/{{user}} expanded for the persona.
   */
  async createChat(ownerId: string, input: CreateChatInput): Promise<ChatView> {
    const character = await this.getCharacter(ownerId, input.characterId);
    const db = await this.db();
    const now = this.now();
    const persona = input.persona ?? { name: "User", description: "" };
    const row: ChatRow = {
      id: this.ids(),
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
        id: this.ids(),
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
    return this.getChat(ownerId, row.id);
  }

  /** The owner's chats, most recently active first. */
  async listChats(ownerId: string): Promise<ChatSummary[]> {
    const db = await this.db();
    const rows = await db
      .selectFrom("chat_chats")
      .selectAll()
      .where("owner_id", "=", ownerId)
      .orderBy("updated_at", "desc")
      .orderBy("id")
      .execute();
    return rows.map(chatSummary);
  }

  /** A chat's summary (what the server needs to resolve its reply policy). */
  async chatSummary(ownerId: string, chatId: string): Promise<ChatSummary> {
    return chatSummary(await chatRow(await this.db(), ownerId, chatId));
  }

  /** A chat and its shown path: per parent the selected sibling, each with "i/n", its siblings and candidate id. */
  async getChat(ownerId: string, chatId: string): Promise<ChatView> {
    const chat = await loadChat(await this.db(), ownerId, chatId, this.now(), true);
    return {
      chat: chatSummary(chat.row),
      messages: chat.tree.shownPath().map((item) => treeMessageView(chat.tree, item, chat.ratings)),
    };
  }

  /** Delete a chat with its messages, selections, ratings and candidate-log rows. */
  async deleteChat(ownerId: string, chatId: string): Promise<void> {
    const db = await this.db();
    await db.transaction().execute(async (trx) => {
      await chatRow(trx, ownerId, chatId);
      for (const table of ["chat_messages", "chat_selections", "chat_ratings", "chat_candidates"] as const)
        await trx.deleteFrom(table).where("chat_id", "=", chatId).where("owner_id", "=", ownerId).execute();
      await trx.deleteFrom("chat_chats").where("id", "=", chatId).where("owner_id", "=", ownerId).execute();
    });
  }

  /**
   * Branch: a new chat whose path is a copy of the path up to `messageId` (that version of it), linked to its
   * source (`branchedFrom`, and each copied message's `copiedFrom`; generated copies keep their candidate ids).
   */
  async branchChat(ownerId: string, chatId: string, messageId: string, input: { title?: string } = {}) {
    const db = await this.db();
    const source = await loadChat(db, ownerId, chatId, this.now());
    const target = messageIn(source, messageId);
    const chain = source.tree.chainTo(target.slot_id).map((item) => item.message);
    chain[chain.length - 1] = target;
    const now = this.now();
    const row: ChatRow = {
      ...source.row,
      id: this.ids(),
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
        id: this.ids(),
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
      for (const c of copies)
        await select(trx, { chatId: row.id, ownerId, parentKey: c.parent_key, slotId: c.id, now });
    });
    return this.getChat(ownerId, row.id);
  }

  // Messages -------------------------------------------------------------------------------------------------

  /**
   * Store a user message after the shown path and stream the character's reply (or `candidates` replies as
   * siblings). With a `clientMessageId` already stored, nothing new is stored: the first send's message is
   * returned with its replies (and replies are generated only if none exists that did not fail).
   */
  async *sendMessage(
    ownerId: string,
    chatId: string,
    input: SendInput,
    policy: ReplyPolicy,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<ReplyEvent> {
    const db = await this.db();
    let chat = await loadChat(db, ownerId, chatId, this.now());
    let user = input.clientMessageId ? await byClientId(db, chat, input.clientMessageId) : undefined;
    if (!user) {
      const path = chat.tree.shownPath();
      const parent = path.at(-1)?.slot.id ?? null;
      const now = this.now();
      const row = newMessage({
        id: this.ids(),
        owner_id: ownerId,
        chat_id: chatId,
        parent_id: parent,
        role: "user",
        speaker: chat.row.persona_name,
        text: input.text,
        status: "complete",
        origin: "user",
        client_message_id: input.clientMessageId ?? null,
        now,
      });
      try {
        await insertSlots(this.now, db, chat.row, [row], row.id);
      } catch (error) {
        if (!input.clientMessageId || !isUniqueViolation(error)) throw error;
      }
      chat = await loadChat(db, ownerId, chatId, this.now());
      user = input.clientMessageId ? await byClientId(db, chat, input.clientMessageId) : chat.tree.message(row.id);
    }
    const userSlot = chat.tree.slotOf((user as MessageRow).id);
    const chain = chat.tree.chainTo((user as MessageRow).slot_id);
    const userItem = chain.at(-1) as PathItem;
    yield { type: "message", message: treeMessageView(chat.tree, userItem) };
    const existing = chat.tree
      .liveChildren(userSlot?.id ?? "")
      .filter((s) => s.shown && !(s.shown.status === "incomplete" && s.shown.finish_reason === "error"));
    if (existing.length > 0) {
      for (const s of existing) {
        const item = chat.tree.chainTo(s.id).at(-1) as PathItem;
        yield { type: "done", message: treeMessageView(chat.tree, item), candidateId: item.message.candidate_id };
      }
      return;
    }
    yield* generateReplies(this.replyDeps, ownerId, chat, chain, {
      parentKey: (user as MessageRow).slot_id,
      kind: "reply",
      retryOf: null,
      generationType: "normal",
      candidates: input.candidates,
      signal: options.signal,
      policy,
    });
  }

  /**
   * Regenerate: a new sibling candidate under the same parent, selected; every earlier sibling stays. On a user
   * message, a new reply to it. The greeting is authored, so it cannot be regenerated (choose a swipe instead).
   */
  async *regenerate(
    ownerId: string,
    chatId: string,
    messageId: string,
    policy: ReplyPolicy,
    options: GenerateOptions = {},
  ): AsyncGenerator<ReplyEvent> {
    const chat = await loadChat(await this.db(), ownerId, chatId, this.now());
    const message = messageIn(chat, messageId);
    const onUser = message.role === "user";
    const parentKey = onUser ? message.slot_id : message.parent_key;
    if (parentKey === "")
      throw new ChatError("invalid", "message.invalid_action", "A greeting is written by the card, not generated.", {
        hint: "Choose one of the greeting's swipes (the card's alternate greetings) instead.",
      });
    yield* generateReplies(this.replyDeps, ownerId, chat, chat.tree.chainTo(parentKey), {
      parentKey,
      kind: onUser ? "reply" : "regenerate",
      retryOf: onUser ? null : message.candidate_id,
      generationType: onUser ? "normal" : "regenerate",
      candidates: options.candidates,
      signal: options.signal,
      policy,
    });
  }

  /** Continue a reply: a new version of it whose text is the old text plus what the model adds (continued_from). */
  async *continueMessage(
    ownerId: string,
    chatId: string,
    messageId: string,
    policy: ReplyPolicy,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<ReplyEvent> {
    const chat = await loadChat(await this.db(), ownerId, chatId, this.now());
    const message = messageIn(chat, messageId);
    if (message.role !== "assistant")
      throw new ChatError("invalid", "message.invalid_action", "Only a character's reply can be continued.", {
        hint: "Send a new message instead.",
      });
    if (message.status === "streaming") throw streamingConflict(messageId);
    yield* generateReplies(this.replyDeps, ownerId, chat, chat.tree.chainTo(message.parent_key || null), {
      parentKey: message.parent_key,
      kind: "continue",
      retryOf: null,
      generationType: "continue",
      candidates: 1,
      signal: options.signal,
      policy,
      continueFrom: message,
    });
  }

  /** Choose which sibling (swipe) is shown under its parent. */
  async selectMessage(ownerId: string, chatId: string, messageId: string): Promise<ChatView> {
    const db = await this.db();
    const chat = await loadChat(db, ownerId, chatId, this.now());
    const message = messageIn(chat, messageId);
    await select(db, { chatId, ownerId, parentKey: message.parent_key, slotId: message.slot_id, now: this.now() });
    return this.getChat(ownerId, chatId);
  }

  /** Edit a message: a new version replaces it on the path; the original is kept and linked by `editOf`. */
  async editMessage(ownerId: string, chatId: string, messageId: string, text: string): Promise<MessageView> {
    const db = await this.db();
    const chat = await loadChat(db, ownerId, chatId, this.now());
    const message = messageIn(chat, messageId);
    if (message.status === "streaming") throw streamingConflict(messageId);
    const row = await insertVersion(this.now, db, chat, message, (version) =>
      newMessage({
        ...message,
        id: this.ids(),
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
        now: this.now(),
      }),
    );
    const fresh = await loadChat(db, ownerId, chatId, this.now());
    const item = fresh.tree.chainTo(row.slot_id).at(-1) as PathItem;
    return treeMessageView(fresh.tree, item);
  }

  /**
   * Delete a message (soft: every version is kept, marked deleted). It leaves the path; if it was the shown swipe,
   * a neighbouring sibling is shown, else what followed it stays on the path.
   */
  async deleteMessage(ownerId: string, chatId: string, messageId: string): Promise<void> {
    const db = await this.db();
    const chat = await loadChat(db, ownerId, chatId, this.now());
    const message = messageIn(chat, messageId);
    const now = this.now();
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
  async rateMessage(ownerId: string, chatId: string, messageId: string, input: RatingInput): Promise<MessageRating> {
    if (
      input.stars !== undefined &&
      input.stars !== null &&
      !(Number.isInteger(input.stars) && input.stars >= 1 && input.stars <= 5)
    )
      throw new ChatError("invalid", "rating.invalid", "Stars must be a whole number from 1 to 5.", {
        hint: "Send stars as 1, 2, 3, 4 or 5, or null to clear them.",
      });
    const db = await this.db();
    const chat = await loadChat(db, ownerId, chatId, this.now(), true);
    messageIn(chat, messageId);
    const old = chat.ratings.get(messageId);
    const thumbs = input.thumbs === undefined ? (old?.thumbs ?? null) : input.thumbs;
    const stars = input.stars === undefined ? (old?.stars ?? null) : input.stars;
    const now = this.now();
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
  async recoverInterrupted(now: number = this.now()): Promise<number> {
    const db = await this.db();
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

  /** Log candidates generated outside a troupe chat (the /v1 and MiniMax gateways). */
  logCandidates(ownerId: string, entries: readonly CandidateLogEntry[]): Promise<string[]> {
    return logCandidates(this.store, ownerId, entries, this.ids);
  }

  /** The owner's logged candidates. */
  listCandidates(ownerId: string, query: CandidateQuery = {}): Promise<CandidateRecord[]> {
    return listCandidates(this.store, ownerId, query);
  }
}

/** The card's greetings (first message, then alternates), macros expanded for the persona; empty ones left out. */
function greetingsOf(card: CharacterCardV3, user: string): string[] {
  const ctx = macroContextFromCard(card, user);
  return [card.data.first_mes, ...card.data.alternate_greetings]
    .filter((g) => g.trim() !== "")
    .map((g) => expandMacros(g, ctx));
}

function streamingConflict(messageId: string): ChatError {
  return new ChatError("conflict", "message.streaming", `Message "${messageId}" is still being written.`, {
    hint: "Wait for the reply to finish (or stop it), then try again.",
  });
}
