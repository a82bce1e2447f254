import type { WorldNode } from "./event.ts";
import type { Fact, TimePoint } from "./fact.ts";
import type { IntervalIndex } from "./interval-index.ts";
import type { HookRecord } from "./projection-records.ts";

/** What the log needs from the projection it serves. */
export interface LogHost {
  pathPush(node: WorldNode): void;
  pathPop(): WorldNode;
  readonly facts: Map<string, Fact>;
  readonly index: IntervalIndex<Fact>;
}

/**
 * Mutations, recorded in one flat array as [op, a, b, c] quadruples rather than closures: a closure costs a
 * context object per mutation, which at 100,000 events means hundreds of MB and constant GC. Each entry holds
 * what both directions need — undo applies its inverse, redo applies it again — so the slice of the log a node
 * wrote is, as it stands, the frame that redoes it.
 */
enum Op {
  /** [map, key, value] — the key was new. */
  MapAdd = 0,
  /** [map, key, Replaced]. */
  MapReplace = 1,
  /** [list, value]. */
  ListPush = 2,
  /** [set, value] — the value was absent. */
  SetAdd = 3,
  /** [set, value] — the value was present. */
  SetDelete = 4,
  /** [node]. */
  PathPush = 5,
  /** [fact] — recorded in `facts` and in the interval index. */
  FactAdd = 6,
  /** [fact, validTo, closedBy]. */
  FactClose = 7,
  /** [fact, supersededTurn, supersededBy]. */
  FactSupersede = 8,
  /** [hook, resolvedTurn, resolvedBy]. */
  HookResolve = 9,
}

/** Both values of a map entry that was overwritten. */
interface Replaced {
  prev: unknown;
  value: unknown;
}

/** A node's recorded effects, valid only on top of the exact parent state it was undone from. */
interface RedoFrame {
  ops: unknown[];
  /** Incarnation of the parent position when the frame was recorded. */
  parent: number;
  /** This node's own incarnation, restored on redo so its children's frames stay valid. */
  self: number;
}

/**
 * The projection's memory of how to go back and forth: every mutation made while applying a node is recorded,
 * so `undo()` restores the previous state exactly; the undone node's entries are kept as a redo frame, so
 * re-applying the same node on the same parent state replays them instead of recomputing the node.
 */
export class EffectLog {
  /** Quadruples [op, a, b, c]; `frames[i]` is where node i's operations start. */
  private readonly log: unknown[] = [];
  /** Entries of `log` in use (the array itself is never shrunk). */
  private logLength = 0;
  private readonly frames: number[] = [];
  /**
   * An id per path position that changes whenever the node there is applied from scratch (new objects). A redo
   * frame refers to objects of its parent's state, so it is valid only while the parent's incarnation is the one
   * it was recorded on; by induction that covers every ancestor.
   */
  private readonly incarnations: number[] = [];
  private nextIncarnation = 1;
  /**
   * Redo frames of recently undone nodes (least recently recorded dropped first), keyed by the node object: the
   * ledger hands out one object per node, and an object key hashes without touching an id string.
   */
  private readonly redo = new Map<WorldNode, RedoFrame>();
  /** How many redo frames to keep. */
  redoLimit = 20_000;

  constructor(private readonly host: LogHost) {}

  /**
   * Open a node's frame. Returns true when the node was replayed from its redo frame (the caller must then not
   * apply it); false when the caller must apply it from scratch.
   */
  begin(node: WorldNode): boolean {
    this.frames.push(this.logLength);
    const frame = this.redo.get(node);
    if (frame && frame.parent === (this.incarnations[node.turn - 1] ?? 0)) {
      this.redo.delete(node);
      this.replay(frame.ops);
      this.incarnations.push(frame.self);
      return true;
    }
    this.incarnations.push(this.nextIncarnation++);
    return false;
  }

  /** The path grew by one node. */
  pathPushed(node: WorldNode): void {
    this.push(Op.PathPush, node);
  }

  /** Record a new fact version in the projection's facts and interval index, undoably. */
  addFact(f: Fact): void {
    this.insertFact(f);
    this.push(Op.FactAdd, f);
  }

  /** A fact was closed (validTo and closedBy set, index updated). */
  factClosed(f: Fact): void {
    this.push(Op.FactClose, f, f.validTo, f.closedBy);
  }

  /** A fact was superseded. */
  factSuperseded(f: Fact): void {
    this.push(Op.FactSupersede, f, f.supersededTurn, f.supersededBy);
  }

  /** A hook was resolved. */
  hookResolved(h: HookRecord): void {
    this.push(Op.HookResolve, h, h.resolvedTurn, h.resolvedBy);
  }

  /** map.set, undoably. The projection's maps never hold `undefined`, so `get` alone tells a new key. */
  mapSet<K, V>(map: Map<K, V>, key: K, value: V): void {
    const prev = map.get(key);
    map.set(key, value);
    if (prev === undefined) this.push(Op.MapAdd, map, key, value);
    else this.push(Op.MapReplace, map, key, { prev, value } satisfies Replaced);
  }

  /**
   * map.set of a key the caller knows is new (an event's own id), undoably. Skips the lookup `mapSet` makes,
   * which on the projection's largest maps is a chain of cache misses; a key that was present after all is a bug
   * in the caller and throws rather than silently losing the old value on undo.
   */
  mapAdd<K, V>(map: Map<K, V>, key: K, value: V): void {
    const size = map.size;
    map.set(key, value);
    if (map.size === size) throw new Error(`effect log: key ${String(key)} was already present`);
    this.push(Op.MapAdd, map, key, value);
  }

  /** Push onto the list under `key` (created if missing), undoably. */
  listPush<K, V>(map: Map<K, V[]>, key: K, value: V): void {
    let list = map.get(key);
    if (!list) {
      list = [];
      this.mapAdd(map, key, list);
    }
    list.push(value);
    this.push(Op.ListPush, list, value);
  }

  /** Add to the set under `key` (created if missing), undoably. */
  setAdd<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
    let set = map.get(key);
    if (!set) {
      set = new Set();
      this.mapAdd(map, key, set);
    }
    this.addTo(set, value);
  }

  /** Add to a set the caller already holds, undoably. */
  addTo<V>(set: Set<V>, value: V): void {
    const size = set.size;
    set.add(value);
    if (set.size !== size) this.push(Op.SetAdd, set, value);
  }

  /** Delete from the set under `key`, undoably. */
  setDelete<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
    const set = map.get(key);
    if (set) this.deleteFrom(set, value);
  }

  /** Delete from a set the caller already holds, undoably. */
  deleteFrom<V>(set: Set<V>, value: V): void {
    if (!set.delete(value)) return;
    this.push(Op.SetDelete, set, value);
  }

  /** Re-execute a redo frame's operations in order, and put them back on the log as the node's entries. */
  private replay(ops: unknown[]): void {
    const host = this.host;
    for (let i = 0; i < ops.length; i += 4) {
      const a = ops[i + 1];
      const b = ops[i + 2];
      const c = ops[i + 3];
      switch (ops[i] as Op) {
        case Op.MapAdd:
          (a as Map<unknown, unknown>).set(b, c);
          break;
        case Op.MapReplace:
          (a as Map<unknown, unknown>).set(b, (c as Replaced).value);
          break;
        case Op.ListPush:
          (a as unknown[]).push(b);
          break;
        case Op.SetAdd:
          (a as Set<unknown>).add(b);
          break;
        case Op.SetDelete:
          (a as Set<unknown>).delete(b);
          break;
        case Op.PathPush:
          host.pathPush(a as WorldNode);
          break;
        case Op.FactAdd:
          this.insertFact(a as Fact);
          break;
        case Op.FactClose: {
          const f = a as Fact;
          f.validTo = b as TimePoint;
          f.closedBy = c as string;
          host.index.moveEnd(f, f.validFrom.turn, Number.POSITIVE_INFINITY, (b as TimePoint).turn);
          break;
        }
        case Op.FactSupersede: {
          const f = a as Fact;
          f.supersededTurn = b as number;
          f.supersededBy = c as string;
          break;
        }
        case Op.HookResolve: {
          const h = a as HookRecord;
          h.resolvedTurn = b as number;
          h.resolvedBy = c as string;
          break;
        }
      }
    }
    const log = this.log;
    const n = this.logLength;
    for (let i = 0; i < ops.length; i++) log[n + i] = ops[i];
    this.logLength = n + ops.length;
  }

  /** Undo the last node's operations, keeping its log entries as its redo frame. */
  undo(): void {
    const start = this.frames.pop();
    if (start === undefined) throw new Error("nothing to undo");
    const turn = this.incarnations.length - 1;
    const host = this.host;
    const log = this.log;
    const end = this.logLength;
    let node: WorldNode | undefined;
    for (let i = end - 4; i >= start; i -= 4) {
      const a = log[i + 1];
      const b = log[i + 2];
      switch (log[i] as Op) {
        case Op.MapAdd:
          (a as Map<unknown, unknown>).delete(b);
          break;
        case Op.MapReplace:
          (a as Map<unknown, unknown>).set(b, (log[i + 3] as Replaced).prev);
          break;
        case Op.ListPush:
          (a as unknown[]).pop();
          break;
        case Op.SetAdd:
          (a as Set<unknown>).delete(b);
          break;
        case Op.SetDelete:
          (a as Set<unknown>).add(b);
          break;
        case Op.PathPush:
          node = host.pathPop();
          break;
        case Op.FactAdd: {
          // Later changes to the fact were undone first, so its interval is the one it was indexed with.
          const f = a as Fact;
          host.facts.delete(f.id);
          host.index.remove(f, f.validFrom.turn, f.validTo === undefined ? Number.POSITIVE_INFINITY : f.validTo.turn);
          break;
        }
        // Fields are reset to undefined, never deleted: facts and hooks keep every field (see factVersion), and
        // deleting one would change the object's hidden class and de-optimise the code that reads it.
        case Op.FactClose: {
          const f = a as Fact;
          f.validTo = undefined;
          f.closedBy = undefined;
          host.index.moveEnd(f, f.validFrom.turn, (b as TimePoint).turn, Number.POSITIVE_INFINITY);
          break;
        }
        case Op.FactSupersede: {
          const f = a as Fact;
          f.supersededTurn = undefined;
          f.supersededBy = undefined;
          break;
        }
        case Op.HookResolve: {
          const h = a as HookRecord;
          h.resolvedTurn = undefined;
          h.resolvedBy = undefined;
          break;
        }
      }
    }
    const ops = log.slice(start, end);
    // The array keeps its capacity: shrinking it would make V8 copy the whole log when it grows back.
    this.logLength = start;
    const self = this.incarnations.pop() as number;
    if (node === undefined) throw new Error("effect log: a node's frame did not start with its path push");
    this.redo.delete(node);
    this.redo.set(node, { ops, parent: this.incarnations[turn - 1] ?? 0, self });
    if (this.redo.size > this.redoLimit) this.redo.delete(this.redo.keys().next().value as WorldNode);
  }

  /** Put a fact version in `facts` (its id must be new there) and in the interval index. */
  private insertFact(f: Fact): void {
    const facts = this.host.facts;
    const size = facts.size;
    facts.set(f.id, f);
    if (facts.size === size) throw new Error(`effect log: fact ${f.id} was already recorded`);
    this.host.index.add(f, f.validFrom.turn, f.validTo === undefined ? Number.POSITIVE_INFINITY : f.validTo.turn);
  }

  private push(op: Op, a?: unknown, b?: unknown, c?: unknown): void {
    const log = this.log;
    const n = this.logLength;
    log[n] = op;
    log[n + 1] = a;
    log[n + 2] = b;
    log[n + 3] = c;
    this.logLength = n + 4;
  }
}
