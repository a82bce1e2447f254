import type { Store } from "../store/index.ts";
import { ensureFeedbackTables } from "./event-store.ts";

/** A message or candidate reply whose text an imported log brought along. */
export interface FeedbackText {
  id: string;
  chatId: string;
  /** The message this one answers (for a candidate: the user turn before it). */
  parentId: string | null;
  role: "user" | "assistant" | "system";
  speaker?: string | undefined;
  text: string;
  /** Sibling position for candidates (swipe index). */
  position?: number | undefined;
  model?: string | undefined;
  createdAt?: number | undefined;
  source?: string | undefined;
}

/** Where labels and exports find the text behind ids: the importers' table here, serve's chat store later. */
export interface TextSource {
  /** The texts of these ids that the source knows (others are simply absent). */
  texts(ownerId: string, ids: readonly string[]): Promise<Map<string, FeedbackText>>;
  /** Every text of one chat (messages and candidates), for building prompts. */
  chat(ownerId: string, chatId: string): Promise<FeedbackText[]>;
}

/** Store texts; an id already stored keeps its first text (re-importing a file changes nothing). */
export async function putTexts(store: Store, ownerId: string, texts: readonly FeedbackText[]): Promise<number> {
  await ensureFeedbackTables(store);
  let inserted = 0;
  for (let i = 0; i < texts.length; i += 400) {
    const rows = texts.slice(i, i + 400).map((t) => ({
      owner_id: ownerId,
      id: t.id,
      chat_id: t.chatId,
      parent_id: t.parentId,
      role: t.role,
      speaker: t.speaker ?? null,
      text: t.text,
      position: t.position ?? null,
      model: t.model ?? null,
      created_at: t.createdAt ?? null,
      source: t.source ?? null,
    }));
    const result = await store.db
      .insertInto("feedback_texts")
      .values(rows)
      .onConflict((oc) => oc.columns(["owner_id", "id"]).doNothing())
      .returning("id")
      .execute();
    inserted += result.length;
  }
  return inserted;
}

interface TextRow {
  id: string;
  chat_id: string;
  parent_id: string | null;
  role: FeedbackText["role"];
  speaker: string | null;
  text: string;
  position: number | null;
  model: string | null;
  created_at: number | null;
  source: string | null;
}

function fromRow(r: TextRow): FeedbackText {
  return {
    id: r.id,
    chatId: r.chat_id,
    parentId: r.parent_id,
    role: r.role,
    speaker: r.speaker ?? undefined,
    text: r.text,
    position: r.position ?? undefined,
    model: r.model ?? undefined,
    createdAt: r.created_at === null ? undefined : Number(r.created_at),
    source: r.source ?? undefined,
  };
}

/** Read every text of one chat (for building prompts). */
export async function readChatTexts(store: Store, ownerId: string, chatId: string): Promise<FeedbackText[]> {
  await ensureFeedbackTables(store);
  const rows = (await store.db
    .selectFrom("feedback_texts")
    .selectAll()
    .where("owner_id", "=", ownerId)
    .where("chat_id", "=", chatId)
    .execute()) as TextRow[];
  return rows.map(fromRow);
}

/** The importers' text table as a TextSource. */
export function storeTextSource(store: Store): TextSource {
  return {
    async texts(ownerId, ids) {
      await ensureFeedbackTables(store);
      const out = new Map<string, FeedbackText>();
      for (let i = 0; i < ids.length; i += 500) {
        const rows = (await store.db
          .selectFrom("feedback_texts")
          .selectAll()
          .where("owner_id", "=", ownerId)
          .where("id", "in", ids.slice(i, i + 500))
          .execute()) as TextRow[];
        for (const r of rows) out.set(r.id, fromRow(r));
      }
      return out;
    },
    chat: (ownerId, chatId) => readChatTexts(store, ownerId, chatId),
  };
}

/** A TextSource over texts already in memory (the simulator, tests). */
export function memoryTextSource(texts: Iterable<FeedbackText>): TextSource {
  const byId = new Map<string, FeedbackText>();
  const byChat = new Map<string, FeedbackText[]>();
  for (const t of texts) {
    byId.set(t.id, t);
    const list = byChat.get(t.chatId);
    if (list) list.push(t);
    else byChat.set(t.chatId, [t]);
  }
  return {
    chat: async (_ownerId, chatId) => byChat.get(chatId) ?? [],
    texts: async (_ownerId, ids) => {
      const out = new Map<string, FeedbackText>();
      for (const id of ids) {
        const t = byId.get(id);
        if (t) out.set(id, t);
      }
      return out;
    },
  };
}
