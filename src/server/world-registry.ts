import type { Store } from "../store/index.ts";
import { branchHeads, World } from "../world/index.ts";

/**
 * One open World per world id in this process. Several server processes share one database, so before a world is
 * handed out its branch heads (and active branch) in the database are compared with the ones in memory; when
 * another process moved them, the world is read again. The comparison runs inside the world's own queue, so this
 * process's commits (database first, then memory) are never caught half done.
 */
export class WorldRegistry {
  private readonly worlds = new Map<string, Promise<World>>();

  /** `limit`: how many worlds stay open; the least recently used one is dropped beyond it (read again on use). */
  constructor(
    private readonly store: Store,
    private readonly limit = 256,
  ) {}

  /** The world with this id, current with the database. */
  async get(worldId: string): Promise<World> {
    const cached = this.worlds.get(worldId);
    if (cached) {
      const world = await cached.catch(() => undefined);
      if (world && (await world.read(() => this.current(world)))) {
        this.touch(worldId, cached);
        return world;
      }
      // Only the entry that was checked is replaced: a concurrent caller may already have reopened it.
      if (this.worlds.get(worldId) === cached) this.worlds.delete(worldId);
    }
    let entry = this.worlds.get(worldId);
    if (!entry) {
      entry = World.open(this.store, worldId);
      this.touch(worldId, entry);
      entry.catch(() => {
        if (this.worlds.get(worldId) === entry) this.worlds.delete(worldId);
      });
    }
    return entry;
  }

  /** Keep a world just created by this process (so its first use does not read it back). */
  add(world: World): void {
    this.touch(world.id, Promise.resolve(world));
  }

  /** Drop a world (deleted, or no longer needed); the next `get` reads it again. */
  forget(worldId: string): void {
    this.worlds.delete(worldId);
  }

  /** Mark a world most recently used (a Map keeps insertion order) and drop the least recently used beyond the limit. */
  private touch(worldId: string, entry: Promise<World>): void {
    if (this.worlds.get(worldId) === entry) this.worlds.delete(worldId);
    else if (this.worlds.has(worldId)) return;
    this.worlds.set(worldId, entry);
    while (this.worlds.size > this.limit) {
      const oldest = this.worlds.keys().next().value as string;
      this.worlds.delete(oldest);
    }
  }

  /** Whether the world in memory has the database's active branch and branch heads. */
  private async current(world: World): Promise<boolean> {
    const stored = await branchHeads(this.store, world.id);
    if (stored.active !== undefined && stored.active !== world.record.activeBranch) return false;
    if (stored.branches.length !== world.ledger.branches.size) return false;
    return stored.branches.every((b) => {
      const mine = world.ledger.branches.get(b.name);
      return mine?.head === b.head && mine.status === b.status;
    });
  }
}
