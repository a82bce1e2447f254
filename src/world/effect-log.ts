import type { WorldNode } from "./event.ts";
import type { Fact, TimePoint } from "./fact.ts";
import type { IntervalIndex } from "./interval-index.ts";
import type { HookRecord } from "./projection.ts";

/** What the log needs from the projection it serves. */
export interface LogHost {
  pathPush(node: WorldNode): void;
  pathPop(): WorldNode;
  readonly index: IntervalIndex;
}

/**
 * Undo operations, recorded in one flat array as [op, a, b, c] quadruples rather than closures: a closure costs
 * a context object per mutation, which at 100,000 events means hundreds of MB and constant GC.
 */
enum U {
  MapDelete = 0,
  MapRestore = 1,
  ListPop = 2,
  SetDelete = 3,
  SetAdd = 4,
  PathPop = 5,
  FactReopen = 7,
  FactUnsupersede = 8,
  HookUnresolve = 9,
}

/**
 * Forward operations, captured while a node is undone so that re-applying it (switching back to a branch,
 * redoing a rolled-back turn, flipping between swipes) replays recorded effects instead of recomputing them.
 * Recorded as [op, a, b, c, d] quintuples.
 */
enum F {
  MapSetNew = 0,
  MapSetOver = 1,
  ListPush = 2,
  SetAdd = 3,
  SetDelete = 4,
  PathPush = 5,
  FactClose = 7,
  FactSupersede = 8,
  HookResolve = 9,
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
 * The projection's memory of how to go back and forth: every mutation made while applying a node is recorded
 * with its exact inverse, so `undo()` restores the previous state; undoing also records the forward effects, so
 * re-applying the same node on the same parent state replays them instead of recomputing the node.
 */
export class EffectLog {
  /** Undo log: quadruples [op, a, b, c]; `frames[i]` is where node i's operations start. */
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
  /** Redo frames of recently undone nodes (least recently recorded dropped first). */
  private readonly redo = new Map<string, RedoFrame>();
  /** How many redo frames to keep. */
  redoLimit = 20_000;

  constructor(private readonly host: LogHost) {}

  /**
   * Open a node's frame. Returns true when the node was replayed from its redo frame (the caller must then not
   * apply it); false when the caller must apply it from scratch.
   */
  begin(node: WorldNode): boolean {
    this.frames.push(this.logLength);
    const frame = this.redo.get(node.id);
    if (frame && frame.parent === (this.incarnations[node.turn - 1] ?? 0)) {
      this.redo.delete(node.id);
      this.replay(frame.ops);
      this.incarnations.push(frame.self);
      return true;
    }
    this.incarnations.push(this.nextIncarnation++);
    return false;
  }

  /** The path grew by one node. */
  pathPushed(): void {
    this.push(U.PathPop);
  }

  /** A fact was closed (validTo and closedBy set, index updated). */
  factClosed(f: Fact): void {
    this.push(U.FactReopen, f);
  }

  /** A fact was superseded. */
  factSuperseded(f: Fact): void {
    this.push(U.FactUnsupersede, f);
  }

  /** A hook was resolved. */
  hookResolved(h: HookRecord): void {
    this.push(U.HookUnresolve, h);
  }

  /** map.set, undoably. */
  mapSet<K, V>(map: Map<K, V>, key: K, value: V): void {
    const had = map.has(key);
    const prev = map.get(key);
    map.set(key, value);
    if (had) this.push(U.MapRestore, map, key, prev);
    else this.push(U.MapDelete, map, key);
  }

  /** Push onto the list under `key` (created if missing), undoably. */
  listPush<K, V>(map: Map<K, V[]>, key: K, value: V): void {
    let list = map.get(key);
    if (!list) {
      list = [];
      this.mapSet(map, key, list);
    }
    list.push(value);
    this.push(U.ListPop, list);
  }

  /** Add to the set under `key` (created if missing), undoably. */
  setAdd<K>(map: Map<K, Set<string>>, key: K, value: string): void {
    let set = map.get(key);
    if (!set) {
      set = new Set();
      this.mapSet(map, key, set);
    }
    if (set.has(value)) return;
    set.add(value);
    this.push(U.SetDelete, set, value);
  }

  /** Delete from the set under `key`, undoably. */
  setDelete<K>(map: Map<K, Set<string>>, key: K, value: string): void {
    const set = map.get(key);
    if (!set?.has(value)) return;
    set.delete(value);
    this.push(U.SetAdd, set, value);
  }

  /** Re-execute recorded forward operations, logging their inverses exactly as the original apply did. */
  private replay(ops: unknown[]): void {
    for (let i = 0; i < ops.length; i += 5) {
      const a = ops[i + 1];
      const b = ops[i + 2];
      const c = ops[i + 3];
      const d = ops[i + 4];
      switch (ops[i] as F) {
        case F.MapSetNew:
          (a as Map<unknown, unknown>).set(b, c);
          this.push(U.MapDelete, a, b);
          break;
        case F.MapSetOver:
          (a as Map<unknown, unknown>).set(b, c);
          this.push(U.MapRestore, a, b, d);
          break;
        case F.ListPush:
          (a as unknown[]).push(b);
          this.push(U.ListPop, a);
          break;
        case F.SetAdd:
          (a as Set<unknown>).add(b);
          this.push(U.SetDelete, a, b);
          break;
        case F.SetDelete:
          (a as Set<unknown>).delete(b);
          this.push(U.SetAdd, a, b);
          break;
        case F.PathPush:
          this.host.pathPush(a as WorldNode);
          this.push(U.PathPop);
          break;
        case F.FactClose: {
          const f = a as Fact;
          f.validTo = b as TimePoint;
          f.closedBy = c as string;
          this.host.index.setEnd(f.id, (b as TimePoint).turn);
          this.push(U.FactReopen, f);
          break;
        }
        case F.FactSupersede: {
          const f = a as Fact;
          f.supersededTurn = b as number;
          f.supersededBy = c as string;
          this.push(U.FactUnsupersede, f);
          break;
        }
        case F.HookResolve: {
          const h = a as HookRecord;
          h.resolvedTurn = b as number;
          h.resolvedBy = c as string;
          this.push(U.HookUnresolve, h);
          break;
        }
      }
    }
  }

  /** Undo the last node's operations, keeping a redo frame for it. */
  undo(): void {
    const start = this.frames.pop();
    if (start === undefined) throw new Error("nothing to undo");
    const turn = this.incarnations.length - 1;
    let nodeId = "";
    const log = this.log;
    // Forward ops are collected newest first and reversed at the end.
    const fwd: unknown[] = [];
    const rec = (op: F, a: unknown, b?: unknown, c?: unknown, d?: unknown) => fwd.push(d, c, b, a, op);
    for (let i = this.logLength - 4; i >= start; i -= 4) {
      const a = log[i + 1];
      const b = log[i + 2];
      const c = log[i + 3];
      switch (log[i] as U) {
        case U.MapDelete:
          rec(F.MapSetNew, a, b, (a as Map<unknown, unknown>).get(b));
          (a as Map<unknown, unknown>).delete(b);
          break;
        case U.MapRestore:
          rec(F.MapSetOver, a, b, (a as Map<unknown, unknown>).get(b), c);
          (a as Map<unknown, unknown>).set(b, c);
          break;
        case U.ListPop:
          rec(F.ListPush, a, (a as unknown[]).pop());
          break;
        case U.SetDelete:
          rec(F.SetAdd, a, b);
          (a as Set<unknown>).delete(b);
          break;
        case U.SetAdd:
          rec(F.SetDelete, a, b);
          (a as Set<unknown>).add(b);
          break;
        case U.PathPop: {
          const node = this.host.pathPop();
          nodeId = node.id;
          rec(F.PathPush, node);
          break;
        }
        case U.FactReopen: {
          const f = a as Fact;
          rec(F.FactClose, f, f.validTo, f.closedBy);
          delete f.validTo;
          delete f.closedBy;
          this.host.index.setEnd(f.id);
          break;
        }
        case U.FactUnsupersede: {
          const f = a as Fact;
          rec(F.FactSupersede, f, f.supersededTurn, f.supersededBy);
          delete f.supersededTurn;
          delete f.supersededBy;
          break;
        }
        case U.HookUnresolve: {
          const h = a as HookRecord;
          rec(F.HookResolve, h, h.resolvedTurn, h.resolvedBy);
          delete h.resolvedTurn;
          delete h.resolvedBy;
          break;
        }
      }
    }
    // The array keeps its capacity: shrinking it would make V8 copy the whole log when it grows back.
    this.logLength = start;
    const self = this.incarnations.pop() as number;
    this.redo.delete(nodeId);
    this.redo.set(nodeId, { ops: fwd.reverse(), parent: this.incarnations[turn - 1] ?? 0, self });
    if (this.redo.size > this.redoLimit) this.redo.delete(this.redo.keys().next().value as string);
  }

  private push(op: U, a?: unknown, b?: unknown, c?: unknown): void {
    const log = this.log;
    const n = this.logLength;
    log[n] = op;
    log[n + 1] = a;
    log[n + 2] = b;
    log[n + 3] = c;
    this.logLength = n + 4;
  }
}
