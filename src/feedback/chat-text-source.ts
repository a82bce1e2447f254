import type { Kysely } from "kysely";
import type { ChatTables } from "../chat/index.ts";
import type { Store } from "../store/index.ts";
import type { FeedbackText, TextSource } from "./text-store.ts";

type MessageRow = ChatTables["chat_messages"];
type CandidateRow = ChatTables["chat_candidates"];

/** The version of a slot that was shown at `at`: the newest one created by then (the first when none was). */
function versionAt(versions: readonly MessageRow[] | undefined, slotId: string, at: number): string {
  let id = slotId;
  for (const v of versions ?? []) if (Number(v.created_at) <= at) id = v.id;
  return id;
}

/**
 * Texts of one chat: every message version under its own id and every logged candidate under its candidate-log id
 * (the id feedback events name). A candidate's parent is the message the model answered (the candidate log's
 * `parent_message_id`, the exact prompt end); any other message's parent is the parent slot's version shown when
 * it was written, so a prompt is the path the person saw.
 */
export function chatTexts(messages: readonly MessageRow[], candidates: readonly CandidateRow[]): FeedbackText[] {
  const versions = new Map<string, MessageRow[]>();
  for (const m of [...messages].sort((a, b) => a.version - b.version)) {
    const list = versions.get(m.slot_id);
    if (list) list.push(m);
    else versions.set(m.slot_id, [m]);
  }
  const candidateById = new Map(candidates.map((c) => [c.id, c]));
  const messageByCandidate = new Map<string, MessageRow>();
  for (const m of messages) if (m.candidate_id) messageByCandidate.set(m.candidate_id, m);
  const out: FeedbackText[] = [];
  for (const m of messages) {
    const logged = m.candidate_id ? candidateById.get(m.candidate_id) : undefined;
    const parentId = logged
      ? logged.parent_message_id
      : m.parent_id === null
        ? null
        : versionAt(versions.get(m.parent_id), m.parent_id, Number(m.created_at));
    out.push({
      id: m.id,
      chatId: m.chat_id,
      parentId,
      role: m.role,
      speaker: m.speaker,
      text: m.text,
      position: m.position,
      model: logged?.policy_id,
      createdAt: Number(m.created_at),
      source: "serve",
    });
  }
  for (const c of candidates) {
    // The log keeps the finished text; a candidate still streaming has only its message's partial text.
    const text = c.text ?? messageByCandidate.get(c.id)?.text;
    if (text === undefined || text === null) continue;
    out.push({
      id: c.id,
      chatId: c.chat_id ?? "",
      parentId: c.parent_message_id,
      role: "assistant",
      speaker: messageByCandidate.get(c.id)?.speaker,
      text,
      position: c.displayed_position,
      model: c.policy_id,
      createdAt: Number(c.created_at),
      source: "serve",
    });
  }
  return out;
}

/** `troupe serve`'s chat store (messages and the candidate log) as a TextSource, so served chats export with texts. */
export function chatStoreTextSource(store: Store): TextSource {
  return {
    async chat(ownerId, chatId) {
      const db = await chatTables(store);
      const [messages, candidates] = await Promise.all([
        db
          .selectFrom("chat_messages")
          .selectAll()
          .where("owner_id", "=", ownerId)
          .where("chat_id", "=", chatId)
          .execute(),
        db
          .selectFrom("chat_candidates")
          .selectAll()
          .where("owner_id", "=", ownerId)
          .where("chat_id", "=", chatId)
          .execute(),
      ]);
      return chatTexts(messages, candidates);
    },
    async texts(ownerId, ids) {
      const db = await chatTables(store);
      const out = new Map<string, FeedbackText>();
      for (let i = 0; i < ids.length; i += 500) {
        const slice = ids.slice(i, i + 500);
        const candidates = await db
          .selectFrom("chat_candidates")
          .selectAll()
          .where("owner_id", "=", ownerId)
          .where("id", "in", slice)
          .execute();
        const messages = await db
          .selectFrom("chat_messages")
          .selectAll()
          .where("owner_id", "=", ownerId)
          .where((eb) => eb.or([eb("id", "in", slice), eb("candidate_id", "in", slice)]))
          .execute();
        for (const t of chatTexts(messages, candidates)) if (slice.includes(t.id)) out.set(t.id, t);
      }
      return out;
    },
  };
}

/** Several sources as one: the first that knows an id gives its text. */
export function combinedTextSource(sources: readonly TextSource[]): TextSource {
  return {
    async chat(ownerId, chatId) {
      const seen = new Set<string>();
      const out: FeedbackText[] = [];
      for (const s of sources)
        for (const t of await s.chat(ownerId, chatId)) {
          if (seen.has(t.id)) continue;
          seen.add(t.id);
          out.push(t);
        }
      return out;
    },
    async texts(ownerId, ids) {
      const out = new Map<string, FeedbackText>();
      for (const s of sources) {
        const missing = ids.filter((id) => !out.has(id));
        if (missing.length === 0) break;
        for (const [id, t] of await s.texts(ownerId, missing)) out.set(id, t);
      }
      return out;
    },
  };
}

/**
 * Serve's chat tables (migrated on first use). src/chat is loaded here, on first call, so that importing
 * src/feedback (the server's events route, every `troupe learn` command) does not load the whole chat domain.
 */
export async function chatTables(store: Store): Promise<Kysely<ChatTables>> {
  const { chatDb } = await import("../chat/index.ts");
  return chatDb(store);
}
