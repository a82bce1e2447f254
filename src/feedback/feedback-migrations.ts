import type { Migration } from "../store/index.ts";

/**
 * Tables of the "feedback" domain. `feedback_events` is append-only and keyed by (owner, client event id), so a
 * retried batch or a re-imported file is stored once. `body` keeps the validated event whole (v1 JSON); the other
 * columns are what readers filter and order by. `feedback_texts` holds message text that imported logs bring
 * along (troupe's own chats keep theirs in the chat domain), so labels and exports can show what was chosen.
 */
export const FEEDBACK_MIGRATIONS: readonly Migration[] = [
  {
    name: "create_feedback_tables",
    up: async (db) => {
      await db.schema
        .createTable("feedback_events")
        .addColumn("owner_id", "text", (c) => c.notNull())
        .addColumn("event_id", "text", (c) => c.notNull())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("session_id", "text")
        .addColumn("chat_id", "text")
        .addColumn("message_id", "text")
        .addColumn("candidate_id", "text")
        .addColumn("ts", "bigint", (c) => c.notNull())
        .addColumn("received_at", "bigint", (c) => c.notNull())
        .addColumn("skew_ms", "bigint")
        .addColumn("time_flags", "text")
        .addColumn("source", "text")
        .addColumn("body", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("feedback_events_pk", ["owner_id", "event_id"])
        .execute();
      await db.schema.createIndex("feedback_events_ts").on("feedback_events").columns(["ts", "owner_id"]).execute();
      await db.schema
        .createIndex("feedback_events_chat")
        .on("feedback_events")
        .columns(["owner_id", "chat_id", "ts"])
        .execute();
      await db.schema
        .createTable("feedback_texts")
        .addColumn("owner_id", "text", (c) => c.notNull())
        .addColumn("id", "text", (c) => c.notNull())
        .addColumn("chat_id", "text", (c) => c.notNull())
        .addColumn("parent_id", "text")
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("speaker", "text")
        .addColumn("text", "text", (c) => c.notNull())
        .addColumn("position", "integer")
        .addColumn("model", "text")
        .addColumn("created_at", "bigint")
        .addColumn("source", "text")
        .addPrimaryKeyConstraint("feedback_texts_pk", ["owner_id", "id"])
        .execute();
      await db.schema
        .createIndex("feedback_texts_chat")
        .on("feedback_texts")
        .columns(["owner_id", "chat_id"])
        .execute();
    },
  },
];
