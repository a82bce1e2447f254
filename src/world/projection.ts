import { EffectLog } from "./effect-log.ts";
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

  /** The undo log and redo frames behind apply/undo. */
  private readonly effects: EffectLog;

  constructor(bucketSize = 512) {
    this.index = new IntervalIndex(bucketSize);
    this.effects = new EffectLog({
      pathPush: (node) => this.pathPush(node),
      pathPop: () => this.pathPop(),
      index: this.index,
    });
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
    if (this.effects.begin(node)) return;
    this.pathPush(node);
    this.effects.pathPushed();
    for (const event of node.events) this.applyEvent(event);
  }

  /** Remove the head node and everything it changed. */
  undo(): void {
    this.effects.undo();
  }

  private pathPush(node: WorldNode): void {
    this.path.push(node.id);
    this.nodes.push(node);
    this.storyTimes.push(node.storyTime);
  }

  private pathPop(): WorldNode {
    this.path.pop();
    this.storyTimes.pop();
    return this.nodes.pop() as WorldNode;
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
        this.effects.mapSet(this.hooks, e.id, {
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
        this.effects.mapSet(this.summaries, e.id, {
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
    if (kept) this.effects.mapSet(this.reaffirmed, e.id, kept);
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
    for (const id of doomed) if (!this.struck.has(id)) this.effects.mapSet(this.struck, id, e.turn);
    for (const f of [...this.facts.values()])
      if (doomed.has(f.sourceEvent) && f.supersededTurn === undefined) this.supersede(f.id, e);
  }

  // ---- primitive operations, each with its exact inverse ----------------------------------------------------

  private addFact(fact: Fact): void {
    this.effects.mapSet(this.facts, fact.id, fact);
    const key = factKey(fact.subject, fact.predicate);
    // The index keeps intervals of facts that later leave the path (undo does not remove them): queries filter
    // by presence in `facts`, and switching back re-uses the entry instead of re-inserting it.
    this.index.upsert(fact.id, fact.validFrom.turn, fact.validTo?.turn);
    if (fact.validTo === undefined && fact.supersededTurn === undefined) this.effects.setAdd(this.open, key, fact.id);
  }

  private close(id: string, at: TimePoint, by: string): void {
    const f = this.fact(id);
    f.validTo = at;
    f.closedBy = by;
    this.index.setEnd(id, at.turn);
    this.effects.setDelete(this.open, factKey(f.subject, f.predicate), id);
    this.effects.factClosed(f);
  }

  private supersede(id: string, e: WorldEvent): void {
    const f = this.fact(id);
    f.supersededTurn = e.turn;
    f.supersededBy = e.id;
    if (f.validTo === undefined) this.effects.setDelete(this.open, factKey(f.subject, f.predicate), id);
    this.effects.factSuperseded(f);
  }

  private resolveHook(hookId: string, e: WorldEvent): void {
    const hook = this.hooks.get(hookId);
    if (!hook || hook.resolvedTurn !== undefined) return;
    hook.resolvedTurn = e.turn;
    hook.resolvedBy = e.id;
    this.effects.hookResolved(hook);
  }

  private learn(who: string, fact: string, k: Omit<Knowledge, "who" | "fact">): void {
    this.effects.listPush(this.learned, who, { who, fact, ...k });
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
