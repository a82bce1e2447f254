import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
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
import { isUniqueViolation, loadChat, messageIn, newMessage } from "./chat-records.ts";
import { type ChatTables, chatDb, type MessageRow } from "./chat-tables.ts";
import type { PathItem } from "./chat-tree.ts";
import {
  type ChatSummary,
  type ChatView,
  type MessageRating,
  type MessageView,
  treeMessageView,
} from "./chat-views.ts";
import { byClientId, insertSlots } from "./chat-writes.ts";
import {
  branchChat,
  type ChatSettings,
  type CreateChatInput,
  createChat,
  deleteChat,
  listChats,
  readChat,
  readChatSummary,
  updateChatSettings,
} from "./chats.ts";
import { type LoreCache, sharedLoreCache } from "./lore-cache.ts";
import {
  deleteMessage,
  editMessage,
  type RatingInput,
  rateMessage,
  recoverInterrupted,
  selectMessage,
  streamingConflict,
} from "./message-actions.ts";
import type { ReplyPolicy } from "./reply-policy.ts";
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
  createChat(ownerId: string, input: CreateChatInput): Promise<ChatView> {
    return createChat(this.ctx, ownerId, input);
  }

  /** The owner's chats, most recently active first. */
  listChats(ownerId: string): Promise<ChatSummary[]> {
    return listChats(this.ctx, ownerId);
  }

  /** A chat's summary (what the server needs to resolve its reply policy). */
  chatSummary(ownerId: string, chatId: string): Promise<ChatSummary> {
    return readChatSummary(this.ctx, ownerId, chatId);
  }

  /** Change a chat's persona, model, sampling or title (later replies use them). */
  updateChat(ownerId: string, chatId: string, settings: ChatSettings): Promise<ChatSummary> {
    return updateChatSettings(this.ctx, ownerId, chatId, settings);
  }

  /** A chat and its shown path: per parent the selected sibling, each with "i/n", its siblings and candidate id. */
  getChat(ownerId: string, chatId: string): Promise<ChatView> {
    return readChat(this.ctx, ownerId, chatId);
  }

  /** Delete a chat with its messages, selections, ratings and candidate-log rows. */
  deleteChat(ownerId: string, chatId: string): Promise<void> {
    return deleteChat(this.ctx, ownerId, chatId);
  }

  /** Branch: a new chat whose path is a copy of the path up to `messageId`, linked to its source. */
  branchChat(ownerId: string, chatId: string, messageId: string, input: { title?: string } = {}): Promise<ChatView> {
    return branchChat(this.ctx, ownerId, chatId, messageId, input);
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
  selectMessage(ownerId: string, chatId: string, messageId: string): Promise<ChatView> {
    return selectMessage(this.ctx, ownerId, chatId, messageId);
  }

  /** Edit a message: a new version replaces it on the path; the original is kept and linked by `editOf`. */
  editMessage(ownerId: string, chatId: string, messageId: string, text: string): Promise<MessageView> {
    return editMessage(this.ctx, ownerId, chatId, messageId, text);
  }

  /** Delete a message (soft): it leaves the path; a shown swipe gives way to a neighbour. */
  deleteMessage(ownerId: string, chatId: string, messageId: string): Promise<void> {
    return deleteMessage(this.ctx, ownerId, chatId, messageId);
  }

  /** Rate a message: thumbs up/down and an optional 1–5; absent fields keep their value, null clears. */
  rateMessage(ownerId: string, chatId: string, messageId: string, input: RatingInput): Promise<MessageRating> {
    return rateMessage(this.ctx, ownerId, chatId, messageId, input);
  }

  /**
   * At server start (and now and then): replies left `streaming` by a process that died (lease run out before
   * `now`) become `incomplete` ("interrupted"), with their candidate-log rows. Across owners: it is maintenance.
   */
  recoverInterrupted(now: number = this.now()): Promise<number> {
    return recoverInterrupted(this.ctx, now);
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
