import { type Kysely, sql } from "kysely";
import { migrate, StorageError, type Store } from "../store/index.ts";
import { type Branch, type WorldEvent, WorldEventSchema, type WorldNode } from "./event.ts";
import { WorldError } from "./world-error.ts";
import { WORLD_MIGRATIONS } from "./world-migrations.ts";
import { uniqueWorldName } from "./world-name.ts";
import { type WorldSetup, WorldSetupSchema } from "./world-setup.ts";

/** A world's row: identity, active branch and setup. */
export interface WorldRecord {
  id: string;
  name: string;
  createdAt: number;
  activeBranch: string;
  setup: WorldSetup;
}

// biome-ignore lint/suspicious/noExplicitAny: the world tables are typed at the row mapping below.
type Db = Kysely<any>;

/** Create the world tables if needed (memoised per store). */
export async function ensureWorldTables(store: Store): Promise<void> {
  await migrate(store, "world", WORLD_MIGRATIONS);
}

function nodeRow(worldId: string, node: WorldNode) {
  return {
    id: node.id,
    world_id: worldId,
    parent_id: node.parent,
    turn: node.turn,
    story_time: node.storyTime,
    kind: node.kind,
    speaker: node.speaker ?? null,
    text: node.text ?? null,
    branch: node.branch,
    created_at: node.createdAt,
    event_count: node.events.length,
    meta: node.meta === undefined ? null : JSON.stringify(node.meta),
  };
}

function eventRow(worldId: string, event: WorldEvent, position: number) {
  return {
    id: event.id,
    world_id: worldId,
    node_id: event.node,
    position,
    kind: event.kind,
    turn: event.turn,
    story_time: event.storyTime,
    branch: event.branch,
    parent_id: event.parent,
    caused_by: JSON.stringify(event.causedBy),
    witnesses: JSON.stringify(event.witnesses),
    payload: JSON.stringify(event.payload),
    recorded_at: event.recordedAt,
  };
}

function branchRow(worldId: string, b: Branch) {
  return {
    world_id: worldId,
    name: b.name,
    head: b.head,
    status: b.status,
    base: b.base ?? null,
    created_at: b.createdAt,
    updated_at: b.updatedAt,
  };
}

async function insertNode(db: Db, worldId: string, node: WorldNode): Promise<void> {
  await db.insertInto("world_nodes").values(nodeRow(worldId, node)).execute();
  // Chunked so a large commit stays under SQLite's bound-parameter limit.
  for (let i = 0; i < node.events.length; i += 50) {
    const rows = node.events.slice(i, i + 50).map((e, j) => eventRow(worldId, e, i + j));
    await db.insertInto("world_events").values(rows).execute();
  }
}

async function upsertBranch(db: Db, worldId: string, b: Branch): Promise<void> {
  const row = branchRow(worldId, b);
  await db
    .insertInto("world_branches")
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(["world_id", "name"])
        .doUpdateSet({ head: row.head, status: row.status, base: row.base, updated_at: row.updated_at }),
    )
    .execute();
}

function wrap(action: string, error: unknown): never {
  if (error instanceof WorldError || error instanceof StorageError) throw error;
  throw new StorageError("world.storage", `Could not ${action}: ${(error as Error).message}`, {
    hint: "Check that the database is reachable and writable (`troupe config show` names it).",
    cause: error,
  });
}

/**
 * Store a new world with its root node and first branch, atomically. The name is made unique among the stored
 * worlds (" (2)", " (3)", …) inside the same transaction, under a lock, so two processes creating worlds from one
 * card at once still get two names. Returns the name stored (also set in the record's setup).
 */
export async function insertWorld(store: Store, world: WorldRecord, root: WorldNode, branch: Branch): Promise<string> {
  await ensureWorldTables(store);
  try {
    return await store.db.transaction().execute(async (trx) => {
      // SQLite's transaction holds the write lock from its start; PostgreSQL's needs a lock to serialise creators.
      if (store.dialect === "postgres")
        await sql`select pg_advisory_xact_lock(hashtext('troupe.world_names'))`.execute(trx);
      const rows = await trx.selectFrom("world_worlds").select(["name"]).execute();
      const name = uniqueWorldName(world.name, new Set(rows.map((r) => r.name as string)));
      await trx
        .insertInto("world_worlds")
        .values({
          id: world.id,
          name,
          created_at: world.createdAt,
          active_branch: world.activeBranch,
          setup: JSON.stringify({ ...world.setup, name }),
        })
        .execute();
      await insertNode(trx, world.id, root);
      await upsertBranch(trx, world.id, branch);
      return name;
    });
  } catch (error) {
    wrap("create the world", error);
  }
}

/**
 * Commit one node and move branch heads, all in one transaction: a crash leaves either the whole turn or none
 * of it. Idempotent by id: committing a node that already exists with the same event ids changes nothing and
 * returns `created: false`; the same id with different events is refused.
 */
export async function commitNode(
  store: Store,
  worldId: string,
  node: WorldNode,
  branches: Branch[],
  activeBranch?: string,
): Promise<{ created: boolean }> {
  try {
    return await store.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom("world_nodes").select(["id"]).where("id", "=", node.id).executeTakeFirst();
      if (existing) {
        const ids = await trx
          .selectFrom("world_events")
          .select(["id"])
          .where("node_id", "=", node.id)
          .orderBy("position")
          .execute();
        const same =
          ids.length === node.events.length && ids.every((r, i) => r.id === (node.events[i] as WorldEvent).id);
        if (!same)
          throw new WorldError("world.commit_conflict", `Node ${node.id} already exists with different events.`, {
            hint: "Use a fresh node id for a different turn; re-sending the same turn is safe.",
          });
        return { created: false };
      }
      await insertNode(trx, worldId, node);
      for (const b of branches) await upsertBranch(trx, worldId, b);
      if (activeBranch !== undefined)
        await trx.updateTable("world_worlds").set({ active_branch: activeBranch }).where("id", "=", worldId).execute();
      return { created: true };
    });
  } catch (error) {
    wrap("commit the turn", error);
  }
}

/** Save branch pointers (and optionally the active branch) in one transaction. */
export async function saveBranches(
  store: Store,
  worldId: string,
  branches: Branch[],
  activeBranch?: string,
): Promise<void> {
  try {
    // One statement is atomic on its own; a transaction would only add two round trips to a hot path (rollback,
    // branch switch, choosing a swipe).
    if (branches.length + (activeBranch === undefined ? 0 : 1) === 1) {
      const [b] = branches;
      if (b) await upsertBranch(store.db, worldId, b);
      else
        await store.db
          .updateTable("world_worlds")
          .set({ active_branch: activeBranch })
          .where("id", "=", worldId)
          .execute();
      return;
    }
    await store.db.transaction().execute(async (trx) => {
      for (const b of branches) await upsertBranch(trx, worldId, b);
      if (activeBranch !== undefined)
        await trx.updateTable("world_worlds").set({ active_branch: activeBranch }).where("id", "=", worldId).execute();
    });
  } catch (error) {
    wrap("save the branch", error);
  }
}

/** Every world, newest first. */
export async function listWorlds(store: Store): Promise<WorldRecord[]> {
  await ensureWorldTables(store);
  const rows = await store.db.selectFrom("world_worlds").selectAll().orderBy("created_at", "desc").execute();
  return rows.map(worldFromRow);
}

function worldFromRow(r: Record<string, unknown>): WorldRecord {
  return {
    id: r["id"] as string,
    name: r["name"] as string,
    createdAt: Number(r["created_at"]),
    activeBranch: r["active_branch"] as string,
    setup: WorldSetupSchema.parse(JSON.parse(r["setup"] as string)),
  };
}

/**
 * Find a world by id, exact name or id prefix. A name or prefix that fits several worlds is refused with their ids
 * (worlds made before names were unique can share one): opening whichever came first would be a silent guess.
 */
export async function findWorld(store: Store, ref: string): Promise<WorldRecord> {
  await ensureWorldTables(store);
  const all = await listWorlds(store);
  const byId = all.find((w) => w.id === ref);
  if (byId) return byId;
  const byName = all.filter((w) => w.name === ref);
  const matches = byName.length > 0 ? byName : all.filter((w) => w.id.startsWith(ref));
  if (matches.length === 1) return matches[0] as WorldRecord;
  if (matches.length === 0)
    throw new WorldError("world.not_found", `No world "${ref}".`, {
      hint: "Run `troupe world show` with no argument to list worlds and their ids.",
    });
  const list = matches.map((w) => `${w.id} ("${w.name}", created ${new Date(w.createdAt).toISOString()})`);
  throw new WorldError(
    "world.ambiguous",
    `"${ref}" ${byName.length > 0 ? "names" : "is the start of the ids of"} ${matches.length} worlds: ${list.join(", ")}.`,
    { hint: `Pass one of the ids instead, e.g. \`${matches[0]?.id}\`.` },
  );
}

/** Load a world's whole ledger: nodes in turn order (parents first) with their events, and the branches. */
export async function loadLedgerRows(
  store: Store,
  worldId: string,
): Promise<{ nodes: WorldNode[]; branches: Branch[] }> {
  const nodeRows = await store.db
    .selectFrom("world_nodes")
    .selectAll()
    .where("world_id", "=", worldId)
    .orderBy("turn")
    .orderBy("created_at")
    .execute();
  const eventRows = await store.db
    .selectFrom("world_events")
    .selectAll()
    .where("world_id", "=", worldId)
    .orderBy("node_id")
    .orderBy("position")
    .execute();
  const eventsByNode = new Map<string, WorldEvent[]>();
  for (const r of eventRows) {
    const event = {
      id: r.id,
      node: r.node_id,
      branch: r.branch,
      parent: r.parent_id,
      turn: Number(r.turn),
      storyTime: Number(r.story_time),
      kind: r.kind,
      causedBy: JSON.parse(r.caused_by),
      witnesses: JSON.parse(r.witnesses),
      recordedAt: Number(r.recorded_at),
      payload: JSON.parse(r.payload),
    } as WorldEvent;
    const list = eventsByNode.get(r.node_id) ?? [];
    list.push(event);
    eventsByNode.set(r.node_id, list);
  }
  const nodes: WorldNode[] = nodeRows.map((r) => {
    const events = eventsByNode.get(r.id) ?? [];
    if (events.length !== Number(r.event_count)) {
      throw new StorageError("world.torn_commit", `Turn ${r.id} has ${events.length} of ${r.event_count} events.`, {
        hint: "The database was modified outside troupe; restore it from a backup.",
      });
    }
    return {
      id: r.id,
      parent: r.parent_id,
      turn: Number(r.turn),
      storyTime: Number(r.story_time),
      kind: r.kind,
      ...(r.speaker === null ? {} : { speaker: r.speaker }),
      ...(r.text === null ? {} : { text: r.text }),
      branch: r.branch,
      createdAt: Number(r.created_at),
      events,
      ...(r.meta === null ? {} : { meta: JSON.parse(r.meta) }),
    };
  });
  const branchRows = await store.db.selectFrom("world_branches").selectAll().where("world_id", "=", worldId).execute();
  const branches: Branch[] = branchRows.map((r) => ({
    name: r.name,
    head: r.head,
    status: r.status,
    ...(r.base === null ? {} : { base: r.base }),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  }));
  return { nodes, branches };
}

/** Validate an event as stored (used by tests and by `world edit` input checks). */
export function parseEvent(value: unknown): WorldEvent {
  return WorldEventSchema.parse(value);
}

/**
 * Insert many nodes in one transaction (imports, perf fixtures). Parents must come before children. Branch
 * pointers are saved in the same transaction.
 */
export async function bulkInsertNodes(
  store: Store,
  worldId: string,
  nodes: WorldNode[],
  branches: Branch[],
): Promise<void> {
  try {
    await store.db.transaction().execute(async (trx) => {
      for (const node of nodes) await insertNode(trx, worldId, node);
      for (const b of branches) await upsertBranch(trx, worldId, b);
    });
  } catch (error) {
    wrap("import the turns", error);
  }
}

/**
 * A world's active branch and every branch's head and status, straight from the database: how a process that
 * keeps a world in memory sees whether another process moved it.
 */
export async function branchHeads(
  store: Store,
  worldId: string,
): Promise<{ active: string | undefined; branches: Array<{ name: string; head: string; status: string }> }> {
  await ensureWorldTables(store);
  const rows = await store.db
    .selectFrom("world_worlds as w")
    .leftJoin("world_branches as b", "b.world_id", "w.id")
    .select(["w.active_branch as active", "b.name as name", "b.head as head", "b.status as status"])
    .where("w.id", "=", worldId)
    .orderBy("b.name")
    .execute();
  return {
    active: rows[0]?.active as string | undefined,
    branches: rows
      .filter((r) => r.name !== null)
      .map((r) => ({ name: r.name as string, head: r.head as string, status: r.status as string })),
  };
}

/** Delete a world with every turn, event, branch and held line of it, in one transaction. */
export async function deleteWorld(store: Store, worldId: string): Promise<void> {
  await ensureWorldTables(store);
  try {
    await store.db.transaction().execute(async (trx) => {
      for (const table of ["world_events", "world_nodes", "world_branches", "world_pending"])
        await trx.deleteFrom(table).where("world_id", "=", worldId).execute();
      await trx.deleteFrom("world_worlds").where("id", "=", worldId).execute();
    });
  } catch (error) {
    wrap("delete the world", error);
  }
}
