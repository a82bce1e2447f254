import type { Kysely } from "kysely";
import { type Migration, migrate, type Store } from "../store/index.ts";

/** A stored character: the card as V3 JSON plus what writing it back needs (its source spec, added defaults). */
export interface CharacterRow {
  id: string;
  owner_id: string;
  name: string;
  /** CharacterCardV3 JSON. */
  card: string;
  /** `{ spec, specVersion, container, chunk? , addedDefaults }` of the imported card, for lossless export. */
  source: string;
  /** The PNG the card came in (or an avatar given later); null for JSON/CharX cards without an icon. */
  avatar: Uint8Array | null;
  /** Bumped on every change: compiled lore is cached per (id, version). */
  version: number;
  /** `{ tags, creator }` for listings, so a list never parses whole cards (a lorebook can be megabytes). */
  summary: string | null;
  created_at: number;
  updated_at: number;
}

/** One conversation. `character_ids` is a JSON array (group chats later); `character_id` is the one that replies. */
export interface ChatRow {
  id: string;
  owner_id: string;
  character_id: string | null;
  character_ids: string;
  world_id: string | null;
  persona_name: string;
  persona_description: string;
  model: string | null;
  /** Sampling JSON (temperature, topP, maxTokens, …). */
  sampling: string;
  title: string;
  branched_from_chat: string | null;
  branched_from_message: string | null;
  created_at: number;
  updated_at: number;
}

/**
 * One version of one message. Messages form a tree of *slots*: a slot is a place in the conversation (a reply, a
 * user turn); siblings are slots under the same parent (swipes, regenerations); a slot has versions (the original,
 * then edits and continuations), the newest live one shown. `parent_id` and `slot_id` name slots by the id of
 * their first version, so an edit never detaches what came after it.
 */
export interface MessageRow {
  id: string;
  owner_id: string;
  chat_id: string;
  /** The parent slot; null for the greeting(s). */
  parent_id: string | null;
  /** `parent_id ?? ""`: a non-null key for the unique sibling position. */
  parent_key: string;
  slot_id: string;
  /** 0 for the original; edits and continuations count up. */
  version: number;
  /** Sibling position of the slot under its parent (0 = first). */
  position: number;
  role: "user" | "assistant" | "system";
  speaker: string;
  text: string;
  status: "streaming" | "complete" | "incomplete";
  /** greeting (authored by the card), user, generated, edit (a person rewrote it), continue (generated more). */
  origin: "greeting" | "user" | "generated" | "edit" | "continue";
  /** stop, length, content_filter, other; aborted, error, interrupted for incomplete replies. */
  finish_reason: string | null;
  edit_of: string | null;
  continued_from: string | null;
  /** The message this one was copied from when a chat was branched. */
  copied_from: string | null;
  candidate_id: string | null;
  client_message_id: string | null;
  world_node_id: string | null;
  /** While streaming: the time after which a silent writer is presumed dead (recoverInterrupted). */
  lease_until: number | null;
  deleted_at: number | null;
  created_at: number;
  updated_at: number;
}

/** The shown sibling under each parent of a chat. */
export interface SelectionRow {
  chat_id: string;
  parent_key: string;
  owner_id: string;
  slot_id: string;
  updated_at: number;
}

/** A person's rating of one message version. */
export interface RatingRow {
  message_id: string;
  owner_id: string;
  chat_id: string;
  /** 1 up, -1 down, null none. */
  thumbs: number | null;
  stars: number | null;
  updated_at: number;
}

/** One generated candidate (own API and /v1 alike): the raw material of learning. See candidate-log.ts. */
export interface CandidateRow {
  id: string;
  owner_id: string;
  chat_id: string | null;
  message_id: string | null;
  parent_message_id: string | null;
  /** Candidates generated in one request share a batch id. */
  batch_id: string;
  batch_size: number;
  /** Order in which the batch's calls were made (0-based). */
  generation_index: number;
  sibling_position: number;
  displayed_position: number;
  policy_id: string;
  policy: string;
  manifest: string;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  latency_ms: number | null;
  propensity: number;
  order_propensity: number;
  retry_of: string | null;
  kind: string;
  api: string;
  end_user: string | null;
  status: "streaming" | "complete" | "incomplete";
  finish_reason: string | null;
  text: string | null;
  created_at: number;
  updated_at: number;
}

/** The chat domain's tables, for `store.db as Kysely<ChatTables>`. */
export interface ChatTables {
  chat_characters: CharacterRow;
  chat_chats: ChatRow;
  chat_messages: MessageRow;
  chat_selections: SelectionRow;
  chat_ratings: RatingRow;
  chat_candidates: CandidateRow;
}

/** Tables of the "chat" domain, on SQLite and PostgreSQL alike (JSON as text, times as epoch ms). */
export const CHAT_MIGRATIONS: readonly Migration[] = [
  {
    name: "create_chat_tables",
    up: async (db, dialect) => {
      await db.schema
        .createTable("chat_characters")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("owner_id", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("card", "text", (c) => c.notNull())
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("avatar", dialect === "postgres" ? "bytea" : "blob")
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("chat_characters_owner")
        .on("chat_characters")
        .columns(["owner_id", "updated_at"])
        .execute();
      await db.schema
        .createTable("chat_chats")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("owner_id", "text", (c) => c.notNull())
        .addColumn("character_id", "text")
        .addColumn("character_ids", "text", (c) => c.notNull())
        .addColumn("world_id", "text")
        .addColumn("persona_name", "text", (c) => c.notNull())
        .addColumn("persona_description", "text", (c) => c.notNull())
        .addColumn("model", "text")
        .addColumn("sampling", "text", (c) => c.notNull())
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("branched_from_chat", "text")
        .addColumn("branched_from_message", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("chat_chats_owner").on("chat_chats").columns(["owner_id", "updated_at"]).execute();
      await db.schema
        .createTable("chat_messages")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("owner_id", "text", (c) => c.notNull())
        .addColumn("chat_id", "text", (c) => c.notNull())
        .addColumn("parent_id", "text")
        .addColumn("parent_key", "text", (c) => c.notNull())
        .addColumn("slot_id", "text", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("position", "integer", (c) => c.notNull())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("speaker", "text", (c) => c.notNull())
        .addColumn("text", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("origin", "text", (c) => c.notNull())
        .addColumn("finish_reason", "text")
        .addColumn("edit_of", "text")
        .addColumn("continued_from", "text")
        .addColumn("copied_from", "text")
        .addColumn("candidate_id", "text")
        .addColumn("client_message_id", "text")
        .addColumn("world_node_id", "text")
        .addColumn("lease_until", "bigint")
        .addColumn("deleted_at", "bigint")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("chat_messages_chat").on("chat_messages").columns(["chat_id", "owner_id"]).execute();
      // Two writers racing for the same sibling place: one fails and retries with the next position.
      await db.schema
        .createIndex("chat_messages_sibling")
        .on("chat_messages")
        .columns(["chat_id", "parent_key", "position", "version"])
        .unique()
        .execute();
      await db.schema
        .createIndex("chat_messages_slot_version")
        .on("chat_messages")
        .columns(["slot_id", "version"])
        .unique()
        .execute();
      await db.schema
        .createIndex("chat_messages_client_id")
        .on("chat_messages")
        .columns(["chat_id", "client_message_id"])
        .unique()
        .execute();
      await db.schema.createIndex("chat_messages_streaming").on("chat_messages").columns(["status"]).execute();
      await db.schema
        .createTable("chat_selections")
        .addColumn("chat_id", "text", (c) => c.notNull())
        .addColumn("parent_key", "text", (c) => c.notNull())
        .addColumn("owner_id", "text", (c) => c.notNull())
        .addColumn("slot_id", "text", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("chat_selections_pk", ["chat_id", "parent_key"])
        .execute();
      await db.schema
        .createTable("chat_ratings")
        .addColumn("message_id", "text", (c) => c.primaryKey())
        .addColumn("owner_id", "text", (c) => c.notNull())
        .addColumn("chat_id", "text", (c) => c.notNull())
        .addColumn("thumbs", "integer")
        .addColumn("stars", "integer")
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("chat_candidates")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("owner_id", "text", (c) => c.notNull())
        .addColumn("chat_id", "text")
        .addColumn("message_id", "text")
        .addColumn("parent_message_id", "text")
        .addColumn("batch_id", "text", (c) => c.notNull())
        .addColumn("batch_size", "integer", (c) => c.notNull())
        .addColumn("generation_index", "integer", (c) => c.notNull())
        .addColumn("sibling_position", "integer", (c) => c.notNull())
        .addColumn("displayed_position", "integer", (c) => c.notNull())
        .addColumn("policy_id", "text", (c) => c.notNull())
        .addColumn("policy", "text", (c) => c.notNull())
        .addColumn("manifest", "text", (c) => c.notNull())
        .addColumn("prompt_tokens", "integer")
        .addColumn("completion_tokens", "integer")
        .addColumn("latency_ms", "integer")
        .addColumn("propensity", "double precision", (c) => c.notNull())
        .addColumn("order_propensity", "double precision", (c) => c.notNull())
        .addColumn("retry_of", "text")
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("api", "text", (c) => c.notNull())
        .addColumn("end_user", "text")
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("finish_reason", "text")
        .addColumn("text", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("chat_candidates_owner")
        .on("chat_candidates")
        .columns(["owner_id", "created_at"])
        .execute();
      await db.schema.createIndex("chat_candidates_chat").on("chat_candidates").columns(["chat_id"]).execute();
    },
  },
  {
    name: "character_summary",
    up: async (db) => {
      await db.schema.alterTable("chat_characters").addColumn("summary", "text").execute();
      const rows = await db.selectFrom("chat_characters").select(["id", "card"]).execute();
      for (const row of rows as Array<{ id: string; card: string }>)
        await db
          .updateTable("chat_characters")
          .set({ summary: characterListing(row.card) })
          .where("id", "=", row.id)
          .execute();
    },
  },
];

/** The listing summary of a card's JSON: its tags and creator. */
export function characterListing(cardJson: string): string {
  const data = (JSON.parse(cardJson) as { data?: { tags?: unknown; creator?: unknown } }).data ?? {};
  return JSON.stringify({
    tags: Array.isArray(data.tags) ? data.tags.filter((t) => typeof t === "string") : [],
    creator: typeof data.creator === "string" ? data.creator : "",
  });
}

/** The chat tables of a store, migrated on first use. */
export async function chatDb(store: Store): Promise<Kysely<ChatTables>> {
  await migrate(store, "chat", CHAT_MIGRATIONS);
  return store.db as Kysely<ChatTables>;
}
