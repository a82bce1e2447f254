import type { Migration } from "../store/index.ts";

/**
 * Tables of the "world" domain. Nodes are commits (one turn's events under a parent); events are the ledger;
 * branches are head pointers. Projections are never stored: they are rebuilt from these on load.
 * `event_count` on a node lets a reader verify a commit arrived whole.
 */
export const WORLD_MIGRATIONS: readonly Migration[] = [
  {
    name: "create_world_tables",
    up: async (db) => {
      await db.schema
        .createTable("world_worlds")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("active_branch", "text", (c) => c.notNull())
        .addColumn("setup", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("world_nodes")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("world_id", "text", (c) => c.notNull())
        .addColumn("parent_id", "text")
        .addColumn("turn", "integer", (c) => c.notNull())
        .addColumn("story_time", "bigint", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("speaker", "text")
        .addColumn("text", "text")
        .addColumn("branch", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("event_count", "integer", (c) => c.notNull())
        .addColumn("meta", "text")
        .execute();
      await db.schema.createIndex("world_nodes_world").on("world_nodes").columns(["world_id", "turn"]).execute();
      await db.schema
        .createTable("world_events")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("world_id", "text", (c) => c.notNull())
        .addColumn("node_id", "text", (c) => c.notNull())
        .addColumn("position", "integer", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("turn", "integer", (c) => c.notNull())
        .addColumn("story_time", "bigint", (c) => c.notNull())
        .addColumn("branch", "text", (c) => c.notNull())
        .addColumn("parent_id", "text")
        .addColumn("caused_by", "text", (c) => c.notNull())
        .addColumn("witnesses", "text", (c) => c.notNull())
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("recorded_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("world_events_world").on("world_events").columns(["world_id", "node_id"]).execute();
      await db.schema
        .createTable("world_branches")
        .addColumn("world_id", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("head", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("base", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("world_branches_pk", ["world_id", "name"])
        .execute();
    },
  },
  {
    // A generated line that broke a rule waits here for the user's decision; nothing of it is in the ledger.
    name: "create_world_pending",
    up: async (db) => {
      await db.schema
        .createTable("world_pending")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("world_id", "text", (c) => c.notNull())
        .addColumn("branch", "text", (c) => c.notNull())
        .addColumn("proposal", "text", (c) => c.notNull())
        .addColumn("violations", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("world_pending_world").on("world_pending").columns(["world_id"]).execute();
    },
  },
];
