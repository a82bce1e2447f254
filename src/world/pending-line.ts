import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Store } from "../store/index.ts";
import type { Violation } from "./invariants.ts";
import type { Proposal } from "./turn-pipeline.ts";
import type { World } from "./world.ts";
import { WorldError } from "./world-error.ts";
import { ensureWorldTables } from "./world-store.ts";

/**
 * A generated line that broke a rule, held until the user decides (accept as a retcon, drop an event, edit,
 * regenerate, cancel). Stored, not kept in memory, so the decision may reach any server process.
 */
export interface PendingLine {
  id: string;
  worldId: string;
  /** The branch it was proposed on. */
  branch: string;
  proposal: Proposal;
  violations: Violation[];
  createdAt: number;
}

// biome-ignore lint/suspicious/noExplicitAny: the pending table is typed at the row mapping below.
type Db = Kysely<any>;

const db = (store: Store) => store.db as Db;

function fromRow(row: Record<string, unknown>): PendingLine {
  return {
    id: row["id"] as string,
    worldId: row["world_id"] as string,
    branch: row["branch"] as string,
    proposal: JSON.parse(row["proposal"] as string) as Proposal,
    violations: JSON.parse(row["violations"] as string) as Violation[],
    createdAt: Number(row["created_at"]),
  };
}

/** Hold a proposal and its violations for the user's decision; returns the stored line. */
export async function holdLine(
  world: World,
  proposal: Proposal,
  violations: Violation[],
  now = Date.now(),
): Promise<PendingLine> {
  await ensureWorldTables(world.store);
  const line: PendingLine = {
    id: `p${randomUUID().replace(/-/g, "").slice(0, 16)}`,
    worldId: world.id,
    branch: world.current,
    proposal,
    violations,
    createdAt: now,
  };
  await db(world.store)
    .insertInto("world_pending")
    .values({
      id: line.id,
      world_id: line.worldId,
      branch: line.branch,
      proposal: JSON.stringify(proposal),
      violations: JSON.stringify(violations),
      created_at: now,
    })
    .execute();
  return line;
}

/** The lines of a world awaiting a decision, oldest first. */
export async function pendingLines(world: World): Promise<PendingLine[]> {
  await ensureWorldTables(world.store);
  const rows = await db(world.store)
    .selectFrom("world_pending")
    .selectAll()
    .where("world_id", "=", world.id)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(fromRow);
}

/** One held line by id; a WorldError when the world has no such line (decided already, or never held). */
export async function pendingLine(world: World, id: string): Promise<PendingLine> {
  await ensureWorldTables(world.store);
  const row = await db(world.store)
    .selectFrom("world_pending")
    .selectAll()
    .where("world_id", "=", world.id)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row)
    throw new WorldError("world.no_pending", `No line awaiting a decision with id "${id}".`, {
      hint: "It may have been decided already; list the pending lines of the chat.",
    });
  return fromRow(row);
}

/** Forget a held line (it was committed, replaced or cancelled). Returns whether it was still there. */
export async function releaseLine(world: World, id: string): Promise<boolean> {
  await ensureWorldTables(world.store);
  const result = await db(world.store)
    .deleteFrom("world_pending")
    .where("world_id", "=", world.id)
    .where("id", "=", id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
