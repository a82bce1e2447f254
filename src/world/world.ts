import { randomUUID } from "node:crypto";
import type { Store } from "../store/index.ts";
import type { Branch, WorldNode } from "./event.ts";
import { Ledger, moveProjection } from "./ledger.ts";
import { buildNode, type CommitInput, type EventDraft } from "./node-builder.ts";
import { EVERYONE, Projection } from "./projection.ts";
import { WorldError } from "./world-error.ts";
import { type WorldSetup, type WorldSetupInput, WorldSetupSchema } from "./world-setup.ts";
import {
  commitNode,
  ensureWorldTables,
  findWorld,
  insertWorld,
  loadLedgerRows,
  saveBranches,
  type WorldRecord,
} from "./world-store.ts";

/** Where ids and wall-clock time come from (injected so scripted sessions replay exactly). */
export interface WorldDeps {
  ids?: () => string;
  now?: () => number;
  /** Turns per bucket of the fact interval index. */
  bucketSize?: number;
}

/** The main branch every world starts with. */
export const MAIN_BRANCH = "main";

export type { CommitInput, EventDraft };

const defaultIds = () => randomUUID().replace(/-/g, "").slice(0, 16);

/**
 * A world: its ledger (every commit on every branch), the projection of the branch in view, and the store they
 * are saved to. Every change goes to the store first, in one transaction, and only then to memory, so a crash
 * can lose at most the commit in flight and never leaves half of one.
 */
export class World {
  readonly ledger = new Ledger();
  readonly projection: Projection;
  /** The branch the projection currently shows. */
  current: string;
  private readonly ids: () => string;
  private readonly now: () => number;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly store: Store,
    readonly record: WorldRecord,
    deps: WorldDeps,
  ) {
    this.ids = deps.ids ?? defaultIds;
    this.now = deps.now ?? Date.now;
    this.projection = new Projection(deps.bucketSize, this.ledger.events);
    this.current = record.activeBranch;
  }

  get id(): string {
    return this.record.id;
  }

  get setup(): WorldSetup {
    return this.record.setup;
  }

  /** Create a world: the root commit types the cast and the user as characters everyone knows. */
  static async create(store: Store, setupInput: WorldSetupInput, deps: WorldDeps = {}): Promise<World> {
    const setup = WorldSetupSchema.parse(setupInput);
    const ids = deps.ids ?? defaultIds;
    const now = (deps.now ?? Date.now)();
    const record: WorldRecord = { id: `w${ids()}`, name: setup.name, createdAt: now, activeBranch: MAIN_BRANCH, setup };
    const world = new World(store, record, deps);
    const rootId = `${record.id}.r`;
    const drafts: EventDraft[] = [];
    for (const name of [...setup.cast.map((c) => c.name), setup.userName]) {
      drafts.push({
        kind: "user_edit",
        payload: { op: "set", subject: name, predicate: "type", object: "character", reason: "cast" },
        witnesses: [EVERYONE],
      });
    }
    drafts.push({
      kind: "user_edit",
      payload: { op: "set", subject: setup.userName, predicate: "role", object: "user", reason: "the user" },
      witnesses: [EVERYONE],
    });
    const root = world.buildNode(
      { id: rootId, kind: "root", storyTime: setup.startTime, events: drafts },
      null,
      MAIN_BRANCH,
      now,
    );
    const branch: Branch = { name: MAIN_BRANCH, head: root.id, status: "active", createdAt: now, updatedAt: now };
    await ensureWorldTables(store);
    record.name = await insertWorld(store, record, root, branch);
    record.setup = { ...record.setup, name: record.name };
    world.ledger.add(root);
    world.ledger.branches.set(MAIN_BRANCH, branch);
    world.projection.apply(root);
    return world;
  }

  /** Open a world by id, id prefix or name, rebuilding its projection from the ledger. */
  static async open(store: Store, ref: string, deps: WorldDeps = {}): Promise<World> {
    const record = await findWorld(store, ref);
    const world = new World(store, record, deps);
    const { nodes, branches } = await loadLedgerRows(store, record.id);
    for (const n of nodes) world.ledger.add(n);
    for (const b of branches) world.ledger.branches.set(b.name, b);
    if (!world.ledger.branches.has(world.current)) world.current = MAIN_BRANCH;
    moveProjection(world.projection, world.ledger, world.branch().head);
    return world;
  }

  /** A branch by name (default: the one in view). */
  branch(name = this.current): Branch {
    const b = this.ledger.branches.get(name);
    if (!b)
      throw new WorldError("world.no_branch", `No branch "${name}" in world ${this.record.name}.`, {
        hint: `Branches: ${[...this.ledger.branches.keys()].join(", ")}.`,
      });
    return b;
  }

  /** The head node of the branch in view. */
  head(): WorldNode {
    return this.ledger.get(this.projection.head as string) as WorldNode;
  }

  /** Build a node from drafts, resolving ids and validating every event; throws WorldError on bad input. */
  buildNode(input: CommitInput, parent: WorldNode | null, branch: string, now = this.now()): WorldNode {
    return buildNode(this.ledger, input, parent, branch, {
      id: input.id ?? `${this.record.id}.${this.ids()}`,
      now,
      startTime: this.setup.startTime,
      ...(parent && this.projection.head === parent.id
        ? { onBranch: (eventId: string) => this.projection.hasEvent(eventId) }
        : {}),
    });
  }

  /**
   * Commit a turn to a branch (default: the one in view) and move that branch's head to it. The projection
   * follows when the branch is in view. Re-committing an existing node id with the same events is a no-op.
   */
  commit(input: CommitInput, options: { branch?: string } = {}): Promise<WorldNode> {
    return this.exclusive(async () => {
      const branchName = options.branch ?? this.current;
      const branch = this.branch(branchName);
      if (input.id && this.ledger.get(input.id)) {
        const existing = this.ledger.get(input.id) as WorldNode;
        if (existing.events.length === input.events.length) return existing;
      }
      const parent = this.ledger.get(input.parent ?? branch.head);
      if (!parent) throw new WorldError("world.no_node", `No turn ${input.parent} in this world.`);
      const node = this.buildNode(input, parent, branchName);
      const moved: Branch = { ...branch, head: node.id, updatedAt: node.createdAt };
      await commitNode(this.store, this.record.id, node, [moved]);
      this.ledger.add(node);
      this.ledger.branches.set(branchName, moved);
      if (branchName === this.current) this.follow();
      return node;
    });
  }

  /** Regenerate: commit a sibling of the head (same parent) and make it the head. */
  async swipe(input: Omit<CommitInput, "parent">): Promise<WorldNode> {
    const head = this.head();
    if (head.parent === null) throw new WorldError("world.no_swipe", "The world's root cannot be swiped.");
    return this.commit({ ...input, parent: head.parent });
  }

  /** The alternatives of a node (itself included), in recording order. */
  siblings(nodeId = this.head().id): WorldNode[] {
    const node = this.ledger.get(nodeId);
    if (!node || node.parent === null) return node ? [node] : [];
    return this.ledger.childrenOf(node.parent);
  }

  /** Point a branch's head at any recorded node (choose a swipe, redo a rolled-back turn). */
  resetHead(nodeId: string, branchName = this.current): Promise<void> {
    return this.exclusive(async () => {
      if (!this.ledger.get(nodeId))
        throw new WorldError("world.no_node", `No turn ${nodeId} in this world.`, {
          hint: "See `troupe world timeline` for node ids.",
        });
      const moved: Branch = { ...this.branch(branchName), head: nodeId, updatedAt: this.now() };
      await saveBranches(this.store, this.record.id, [moved]);
      this.ledger.branches.set(branchName, moved);
      if (branchName === this.current) this.follow();
    });
  }

  /** Roll a branch back to turn t: its head becomes the ancestor at t. Later turns stay in the ledger only. */
  async rollback(turn: number, branchName = this.current): Promise<WorldNode> {
    const head = this.branch(branchName).head;
    const target = this.ledger.ancestorAt(head, turn);
    if (!target)
      throw new WorldError("world.bad_turn", `Branch ${branchName} has no turn ${turn}.`, {
        hint: `Its turns run from 0 to ${this.ledger.get(head)?.turn}.`,
      });
    await this.resetHead(target.id, branchName);
    return target;
  }

  /** Create a branch at a node (default: the head in view). */
  async createBranch(
    name: string,
    options: { from?: string; status?: Branch["status"]; checkout?: boolean } = {},
  ): Promise<Branch> {
    if (!/^[\w./-]{1,64}$/.test(name))
      throw new WorldError("world.bad_branch_name", `"${name}" is not a valid branch name.`, {
        hint: "Use letters, digits, '-', '_', '.', '/' (up to 64 characters).",
      });
    if (this.ledger.branches.has(name))
      throw new WorldError("world.branch_exists", `Branch "${name}" already exists.`, {
        hint: "Pick another name or switch to it.",
      });
    const from = options.from ?? this.head().id;
    if (!this.ledger.get(from)) throw new WorldError("world.no_node", `No turn ${from} in this world.`);
    const t = this.now();
    const branch: Branch = {
      name,
      head: from,
      status: options.status ?? "active",
      base: from,
      createdAt: t,
      updatedAt: t,
    };
    await saveBranches(this.store, this.record.id, [branch], options.checkout ? name : undefined);
    this.ledger.branches.set(name, branch);
    if (options.checkout) {
      this.record.activeBranch = name;
      this.current = name;
      this.follow();
    }
    return branch;
  }

  /** Switch the branch in view, and remember it as the world's active branch. */
  checkout(name: string): Promise<void> {
    return this.exclusive(async () => {
      this.branch(name);
      await saveBranches(this.store, this.record.id, [], name);
      this.record.activeBranch = name;
      this.current = name;
      this.follow();
    });
  }

  /** Show another branch in memory only (the stored active branch does not change). */
  focus(name: string): void {
    this.branch(name);
    this.current = name;
    this.follow();
  }

  /** Change a branch's status (accept or discard a proposal) and optionally move another branch's head. */
  setBranchStatus(name: string, status: Branch["status"], alsoMove?: { branch: string; head: string }) {
    return this.exclusive(async () => {
      const t = this.now();
      const changed: Branch[] = [{ ...this.branch(name), status, updatedAt: t }];
      if (alsoMove) changed.push({ ...this.branch(alsoMove.branch), head: alsoMove.head, updatedAt: t });
      await saveBranches(this.store, this.record.id, changed);
      for (const b of changed) this.ledger.branches.set(b.name, b);
      this.follow();
    });
  }

  /**
   * Run `fn` with the projection moved (in memory) to another node, then move it back to the branch head —
   * how a swipe's context is assembled from its parent, or a past turn inspected. Calls are serialised with
   * every other operation on this world, so nothing commits while the view is elsewhere.
   */
  view<T>(nodeId: string, fn: (projection: Projection) => T | Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      if (!this.ledger.get(nodeId)) throw new WorldError("world.no_node", `No turn ${nodeId} in this world.`);
      moveProjection(this.projection, this.ledger, nodeId);
      try {
        return await fn(this.projection);
      } finally {
        this.follow();
      }
    });
  }

  /**
   * Run `fn` on the branch in view, serialised with every other operation: a reader never sees the projection
   * while a view has moved it elsewhere (a swipe's extraction, a past turn inspected).
   */
  read<T>(fn: (projection: Projection) => T | Promise<T>): Promise<T> {
    return this.exclusive(async () => fn(this.projection));
  }

  /** Serialise an operation after every earlier one (commits, head moves and views never interleave). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Move the projection to the current branch's head. */
  private follow(): void {
    moveProjection(this.projection, this.ledger, this.branch().head);
  }
}
