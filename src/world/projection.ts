import type { WorldEvent, WorldNode } from "./event.ts";
import { type Fact, factKey, type TimePoint } from "./fact.ts";
import { IntervalIndex } from "./interval-index.ts";

/** How a character came to know a fact. */
export interface Knowledge {
  /** The character (or `EVERYONE`). */
  who: string;
  /** The fact version known. */
  fact: string;
  how: "witnessed" | "told" | "inferred" | "edit";
  turn: number;
  /** Who told them, for `told`. */
  via?: string;
  /** The event that carried the knowledge. */
  event: string;
}

/** A may_happen hook and its fate on the branch. */
export interface HookRecord {
  id: string;
  description: string;
  condition?: string;
  deadline?: number;
  involves: string[];
  importance: number;
  openedTurn: number;
  resolvedTurn?: number;
  resolvedBy?: string;
}

/** A summary and the events it cites. */
export interface SummaryRecord {
  id: string;
  text: string;
  cites: string[];
  fromTurn: number;
  toTurn: number;
  turn: number;
}

/** Everyone: a witness entry meaning common knowledge. */
export const EVERYONE = "*";

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
 * The derived state of one branch head: facts (with their bi-temporal history), learned knowledge, hooks,
 * summaries and strikes, plus the path itself. It is maintained incrementally:
 * `apply(node)` pushes exact inverse operations onto an undo frame, and `undo()` pops the last node, so moving a
 * head by k turns costs O(k · events per turn), never a replay of the whole ledger. `replay()` builds the same
 * structure from scratch; property tests hold the two equal. What is cheap to derive on demand from the path
 * (memories, entities, knowledge by perception) is not maintained here, which keeps apply and undo lean.
 */
export class Projection {
  /** Node ids by turn along the path root → head. */
  readonly path: string[] = [];
  /** Story time of each node on the path (never decreasing). */
  readonly storyTimes: number[] = [];
  /** Every fact version recorded on the path, including closed and superseded ones. */
  readonly facts = new Map<string, Fact>();
  /** Currently valid, believed versions per key. */
  readonly open = new Map<string, Set<string>>();
  /** Validity of facts over turns; may also hold facts no longer on the path (filter by `facts`). */
  readonly index: IntervalIndex;
  /**
   * Knowledge gained other than by perceiving the change itself (being told, a witnessed edit, a retcon's
   * heirs), per character. Perceived changes are not copied here: a character knows what the `changed` events
   * in their memories asserted, which keeps apply cheap (see queries.knownFacts).
   */
  readonly learned = new Map<string, Knowledge[]>();
  /** Changes that re-asserted a value already open: the event id → the fact version it confirmed. */
  readonly reaffirmed = new Map<string, string>();
  readonly hooks = new Map<string, HookRecord>();
  readonly summaries = new Map<string, SummaryRecord>();
  /** Struck events and the turn of the strike. */
  readonly struck = new Map<string, number>();
  /** Nodes along the path (parallel to `path`). */
  readonly nodes: WorldNode[] = [];
  /** Every event this projection has ever applied, by id (a cache: membership of the path is checked by turn). */
  private readonly seen = new Map<string, WorldEvent>();

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

  constructor(bucketSize = 512) {
    this.index = new IntervalIndex(bucketSize);
  }

  /** The head node id, or undefined for an empty projection. */
  get head(): string | undefined {
    return this.path[this.path.length - 1];
  }

  /** The head's turn (-1 when empty). */
  get headTurn(): number {
    return this.path.length - 1;
  }

  /** An event by id if it lies on the path, else undefined. */
  event(id: string): WorldEvent | undefined {
    const e = this.seen.get(id);
    return e !== undefined && this.path[e.turn] === e.node ? e : undefined;
  }

  /** Whether an event lies on the path. */
  hasEvent(id: string): boolean {
    return this.event(id) !== undefined;
  }

  /** Whether a node is on the path. */
  onPath(node: { id: string; turn: number }): boolean {
    return this.path[node.turn] === node.id;
  }

  /** The first turn on the path whose story time is at or after τ (the path's length if none). */
  firstTurnAtOrAfter(storyTime: number): number {
    let lo = 0;
    let hi = this.storyTimes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.storyTimes[mid] as number) < storyTime) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The last turn on the path whose story time is at or before τ (-1 if none). */
  lastTurnAtOrBefore(storyTime: number): number {
    let lo = 0;
    let hi = this.storyTimes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.storyTimes[mid] as number) <= storyTime) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** Extend the path by one node (its parent must be the head) and fold its events in. */
  apply(node: WorldNode): void {
    if (node.turn !== this.path.length || (node.parent ?? undefined) !== this.head) {
      throw new Error(`node ${node.id} (turn ${node.turn}) does not extend head ${this.head ?? "(empty)"}`);
    }
    this.frames.push(this.logLength);
    const frame = this.redo.get(node.id);
    if (frame && frame.parent === (this.incarnations[node.turn - 1] ?? 0)) {
      this.redo.delete(node.id);
      this.replayFrame(frame.ops);
      this.incarnations.push(frame.self);
      return;
    }
    this.incarnations.push(this.nextIncarnation++);
    this.path.push(node.id);
    this.nodes.push(node);
    this.storyTimes.push(node.storyTime);
    this.push(U.PathPop);
    for (const event of node.events) this.applyEvent(event);
  }

  /** Re-execute recorded forward operations, logging their inverses exactly as the original apply did. */
  private replayFrame(ops: unknown[]): void {
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
        case F.PathPush: {
          const node = a as WorldNode;
          this.path.push(node.id);
          this.nodes.push(node);
          this.storyTimes.push(node.storyTime);
          this.push(U.PathPop);
          break;
        }
        case F.FactClose: {
          const f = a as Fact;
          f.validTo = b as TimePoint;
          f.closedBy = c as string;
          this.index.setEnd(f.id, (b as TimePoint).turn);
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

  /** Remove the head node and everything it changed. */
  undo(): void {
    const start = this.frames.pop();
    if (start === undefined) throw new Error("nothing to undo");
    const turn = this.path.length - 1;
    const nodeId = this.path[turn] as string;
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
        case U.PathPop:
          rec(F.PathPush, this.nodes.pop());
          this.path.pop();
          this.storyTimes.pop();
          break;
        case U.FactReopen: {
          const f = a as Fact;
          rec(F.FactClose, f, f.validTo, f.closedBy);
          delete f.validTo;
          delete f.closedBy;
          this.index.setEnd(f.id);
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

  // ---- the reducer ----------------------------------------------------------------------------------------

  private applyEvent(e: WorldEvent): void {
    this.seen.set(e.id, e);
    const at: TimePoint = { turn: e.turn, storyTime: e.storyTime };
    switch (e.kind) {
      case "happened": {
        const p = e.payload;
        if (p.tells) {
          for (const triple of p.tells.facts) {
            const ids = this.openIds(triple.subject, triple.predicate).filter(
              (id) => !triple.object || this.fact(id).object === triple.object,
            );
            for (const id of ids)
              for (const to of p.tells.to)
                this.learn(to, id, { how: "told", turn: e.turn, event: e.id, ...(p.actor ? { via: p.actor } : {}) });
          }
        }
        for (const hook of p.resolves) this.resolveHook(hook, e);
        return;
      }
      case "changed": {
        const p = e.payload;
        const how = p.how === "inferred" ? "inferred" : p.how === "told" ? "told" : "witnessed";
        this.change(e, p.op, p.subject, p.predicate, p.object, at, false, how);
        for (const hook of p.resolves) this.resolveHook(hook, e);
        return;
      }
      case "may_happen": {
        const p = e.payload;
        this.mapSet(this.hooks, e.id, {
          id: e.id,
          description: p.description,
          ...(p.condition === undefined ? {} : { condition: p.condition }),
          ...(p.deadline === undefined ? {} : { deadline: p.deadline }),
          involves: p.involves,
          importance: p.importance,
          openedTurn: e.turn,
        });
        return;
      }
      case "user_edit": {
        const p = e.payload;
        if (p.op === "strike") this.strike(p.eventId, e);
        else if (p.op === "resolve_hook") this.resolveHook(p.hookId, e);
        else if (p.validFrom !== undefined && p.validFrom < e.storyTime)
          this.retroChange(e, p.op, p.subject, p.predicate, p.object, p.validFrom, p.hard);
        else this.change(e, p.op, p.subject, p.predicate, p.object, at, p.hard, "edit");
        return;
      }
      case "summary": {
        const p = e.payload;
        this.mapSet(this.summaries, e.id, {
          id: e.id,
          text: p.text,
          cites: p.cites,
          fromTurn: p.fromTurn,
          toTurn: p.toTurn,
          turn: e.turn,
        });
        return;
      }
    }
  }

  /** An ordinary (non-retroactive) change at the event's own time. */
  private change(
    e: WorldEvent,
    op: "set" | "add" | "remove",
    subject: string,
    predicate: string,
    object: string,
    at: TimePoint,
    hard: boolean,
    how: Knowledge["how"],
  ): void {
    const open = this.openIds(subject, predicate);
    if (op === "remove") {
      for (const id of open) {
        if (object !== "*" && this.fact(id).object !== object) continue;
        this.close(id, at, e.id);
      }
      return;
    }
    let kept: string | undefined;
    for (const id of open) {
      if (this.fact(id).object === object && (this.fact(id).hard || !hard)) kept = id;
      else if (op === "set" || this.fact(id).object === object) {
        this.close(id, at, e.id);
      }
    }
    const id = kept ?? e.id;
    if (!kept)
      this.addFact({ id, subject, predicate, object, validFrom: at, recordedTurn: e.turn, sourceEvent: e.id, hard });
    if (kept) this.mapSet(this.reaffirmed, e.id, kept);
    if (e.kind !== "changed") for (const w of e.witnesses) this.learn(w, id, { how, turn: e.turn, event: e.id });
  }

  /**
   * A retroactive edit ("it was so since day 2"): versions that started after τ are superseded; a version
   * spanning τ is superseded and re-recorded truncated at τ; the new value is valid from τ. Who knew a
   * superseded version learns its replacement, since a retcon rewrites what was always true.
   */
  private retroChange(
    e: WorldEvent,
    op: "set" | "add" | "remove",
    subject: string,
    predicate: string,
    object: string,
    storyTime: number,
    hard: boolean,
  ): void {
    const from: TimePoint = { turn: this.firstTurnAtOrAfter(storyTime), storyTime };
    // Retcons are rare: scan the versions rather than keep a per-key index up to date on every change.
    const versions = [...this.facts.values()]
      .filter((f) => f.subject === subject && f.predicate === predicate)
      .sort((a, b) => a.recordedTurn - b.recordedTurn);
    const heirs = new Set<string>();
    const replacement = op === "remove" ? undefined : e.id;
    if (
      op === "add" &&
      versions.some((v) => v.supersededTurn === undefined && v.object === object && spans(v, storyTime))
    )
      return;
    for (const v of versions) {
      if (v.supersededTurn !== undefined) continue;
      if (op !== "set" && v.object !== object) continue;
      if (v.validTo !== undefined && v.validTo.storyTime <= storyTime) continue;
      const knowers = this.knowersOf(v.id);
      this.supersede(v.id, e);
      if (v.validFrom.storyTime < storyTime) {
        const copy = `${e.id}~${v.id}`;
        this.addFact({
          id: copy,
          subject: v.subject,
          predicate: v.predicate,
          object: v.object,
          validFrom: v.validFrom,
          validTo: from,
          closedBy: e.id,
          recordedTurn: e.turn,
          sourceEvent: v.sourceEvent,
          hard: v.hard,
        });
        for (const k of knowers) {
          this.learn(k, copy, { how: "edit", turn: e.turn, event: e.id });
          heirs.add(k);
        }
      } else for (const k of knowers) heirs.add(k);
    }
    if (replacement) {
      this.addFact({
        id: replacement,
        subject,
        predicate,
        object,
        validFrom: from,
        recordedTurn: e.turn,
        sourceEvent: e.id,
        hard,
      });
      for (const k of heirs) this.learn(k, replacement, { how: "edit", turn: e.turn, event: e.id });
      for (const w of e.witnesses) this.learn(w, replacement, { how: "edit", turn: e.turn, event: e.id });
    }
  }

  /**
   * Strike an event: what it and the changes and hooks it caused (transitively) asserted is superseded. Strikes
   * are rare, so the consequences are found by scanning the path rather than by keeping a reverse index.
   */
  private strike(target: string, e: WorldEvent): void {
    const first = this.event(target);
    if (!first || this.struck.has(target)) return;
    const doomed = new Set([target]);
    for (let t = first.turn; t < this.nodes.length; t++)
      for (const x of (this.nodes[t] as WorldNode).events)
        if ((x.kind === "changed" || x.kind === "may_happen") && x.causedBy.some((c) => doomed.has(c)))
          doomed.add(x.id);
    for (const id of doomed) if (!this.struck.has(id)) this.mapSet(this.struck, id, e.turn);
    for (const f of [...this.facts.values()])
      if (doomed.has(f.sourceEvent) && f.supersededTurn === undefined) this.supersede(f.id, e);
  }

  // ---- primitive operations, each with its exact inverse ----------------------------------------------------

  private addFact(fact: Fact): void {
    this.mapSet(this.facts, fact.id, fact);
    const key = factKey(fact.subject, fact.predicate);
    // The index keeps intervals of facts that later leave the path (undo does not remove them): queries filter
    // by presence in `facts`, and switching back re-uses the entry instead of re-inserting it.
    this.index.upsert(fact.id, fact.validFrom.turn, fact.validTo?.turn);
    if (fact.validTo === undefined && fact.supersededTurn === undefined) this.setAdd(this.open, key, fact.id);
  }

  private close(id: string, at: TimePoint, by: string): void {
    const f = this.fact(id);
    f.validTo = at;
    f.closedBy = by;
    this.index.setEnd(id, at.turn);
    this.setDelete(this.open, factKey(f.subject, f.predicate), id);
    this.push(U.FactReopen, f);
  }

  private supersede(id: string, e: WorldEvent): void {
    const f = this.fact(id);
    f.supersededTurn = e.turn;
    f.supersededBy = e.id;
    if (f.validTo === undefined) this.setDelete(this.open, factKey(f.subject, f.predicate), id);
    this.push(U.FactUnsupersede, f);
  }

  private resolveHook(hookId: string, e: WorldEvent): void {
    const hook = this.hooks.get(hookId);
    if (!hook || hook.resolvedTurn !== undefined) return;
    hook.resolvedTurn = e.turn;
    hook.resolvedBy = e.id;
    this.push(U.HookUnresolve, hook);
  }

  private learn(who: string, fact: string, k: Omit<Knowledge, "who" | "fact">): void {
    this.listPush(this.learned, who, { who, fact, ...k });
  }

  /** Everyone who knows a fact version, and how (perceived the change, re-affirmation, or learned). */
  knowledgeOf(factId: string): Knowledge[] {
    const out: Knowledge[] = [];
    const f = this.facts.get(factId);
    const source = f ? this.event(f.sourceEvent) : undefined;
    if (source?.kind === "changed" && source.id === factId)
      for (const who of source.witnesses)
        out.push({ who, fact: factId, how: source.payload.how, turn: source.turn, event: source.id });
    for (const [eventId, fid] of this.reaffirmed) {
      const e = fid === factId ? this.event(eventId) : undefined;
      if (e?.kind === "changed")
        for (const who of e.witnesses) out.push({ who, fact: factId, how: e.payload.how, turn: e.turn, event: e.id });
    }
    for (const list of this.learned.values()) for (const k of list) if (k.fact === factId) out.push(k);
    return out;
  }

  /** Names of everyone who knows a fact version. */
  knowersOf(factId: string): string[] {
    return [...new Set(this.knowledgeOf(factId).map((k) => k.who))];
  }

  // ---- undoable container helpers ----------------------------------------------------------------------------

  private mapSet<K, V>(map: Map<K, V>, key: K, value: V): void {
    const had = map.has(key);
    const prev = map.get(key);
    map.set(key, value);
    if (had) this.push(U.MapRestore, map, key, prev);
    else this.push(U.MapDelete, map, key);
  }

  private listPush<K, V>(map: Map<K, V[]>, key: K, value: V): void {
    let list = map.get(key);
    if (!list) {
      list = [];
      this.mapSet(map, key, list);
    }
    list.push(value);
    this.push(U.ListPop, list);
  }

  private setAdd<K>(map: Map<K, Set<string>>, key: K, value: string): void {
    let set = map.get(key);
    if (!set) {
      set = new Set();
      this.mapSet(map, key, set);
    }
    if (set.has(value)) return;
    set.add(value);
    this.push(U.SetDelete, set, value);
  }

  private setDelete<K>(map: Map<K, Set<string>>, key: K, value: string): void {
    const set = map.get(key);
    if (!set?.has(value)) return;
    set.delete(value);
    this.push(U.SetAdd, set, value);
  }

  /** Ids of the open versions of (subject, predicate). */
  openIds(subject: string, predicate: string): string[] {
    return [...(this.open.get(factKey(subject, predicate)) ?? [])];
  }

  /** A fact version by id (throws if the id is unknown on this path). */
  fact(id: string): Fact {
    const f = this.facts.get(id);
    if (!f) throw new Error(`unknown fact ${id}`);
    return f;
  }
}

function spans(v: Fact, storyTime: number): boolean {
  return v.validFrom.storyTime <= storyTime && (v.validTo === undefined || v.validTo.storyTime > storyTime);
}
