import { EffectLog } from "./effect-log.ts";
import type { WorldEvent, WorldNode } from "./event.ts";
import { type Fact, factKey, factVersion, type TimePoint } from "./fact.ts";
import { knowersOf } from "./fact-knowledge.ts";
import { IntervalIndex, type IntervalSpan } from "./interval-index.ts";
import type { HookRecord, Knowledge, SummaryRecord } from "./projection-records.ts";
import { firstAtOrAfter, lastAtOrBefore } from "./story-time.ts";

export { EVERYONE, type HookRecord, type Knowledge, type SummaryRecord } from "./projection-records.ts";

/** A fact version's validity over turns, as the interval index reads it. */
const FACT_SPAN: IntervalSpan<Fact> = {
  id: (f) => f.id,
  from: (f) => f.validFrom.turn,
  to: (f) => (f.validTo === undefined ? Number.POSITIVE_INFINITY : f.validTo.turn),
};

/**
 * The derived state of one branch head: facts (with their bi-temporal history), learned knowledge, hooks,
 * summaries and strikes, plus the path itself. It is maintained incrementally: `apply(node)` records every
 * mutation it makes in the effect log, and `undo()` reverts the last node's, so moving a head by k turns costs
 * O(k · events per turn), never a replay of the whole ledger. `replay()` builds the same
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
  /** Currently valid, believed versions per key (the objects themselves, so a change needs no id lookups). */
  readonly open = new Map<string, Set<Fact>>();
  /** Validity over turns of exactly the fact versions in `facts`. */
  readonly index: IntervalIndex<Fact>;
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
  /**
   * Events by id: the ledger's own map when the projection follows a ledger (which holds every event it can be
   * asked to apply), else every event this projection has applied. Either way membership of the path is checked
   * by turn, so events of other branches in the map do no harm.
   */
  private readonly events: ReadonlyMap<string, WorldEvent>;
  /** The private event map, when no ledger's map was given. */
  private readonly seen: Map<string, WorldEvent> | undefined;

  /** The undo log and redo frames behind apply/undo. */
  private readonly effects: EffectLog;

  /** `ledgerEvents`: the event map of the ledger whose nodes this projection will apply (saves a copy of it). */
  constructor(bucketSize = 512, ledgerEvents?: ReadonlyMap<string, WorldEvent>) {
    this.seen = ledgerEvents ? undefined : new Map();
    this.events = ledgerEvents ?? (this.seen as Map<string, WorldEvent>);
    this.index = new IntervalIndex(FACT_SPAN, bucketSize);
    this.effects = new EffectLog({
      pathPush: (node) => this.pathPush(node),
      pathPop: () => this.pathPop(),
      facts: this.facts,
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
    const e = this.events.get(id);
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
    return firstAtOrAfter(this.storyTimes, storyTime);
  }

  /** The last turn on the path whose story time is at or before τ (-1 if none). */
  lastTurnAtOrBefore(storyTime: number): number {
    return lastAtOrBefore(this.storyTimes, storyTime);
  }

  /** Extend the path by one node (its parent must be the head) and fold its events in. */
  apply(node: WorldNode): void {
    if (node.turn !== this.path.length || (node.parent ?? undefined) !== this.head) {
      throw new Error(`node ${node.id} (turn ${node.turn}) does not extend head ${this.head ?? "(empty)"}`);
    }
    if (this.effects.begin(node)) return;
    this.pathPush(node);
    this.effects.pathPushed(node);
    // One time point for the whole node: its events share its turn and story time, and time points are never
    // mutated, so the facts it opens and closes can share it.
    const at: TimePoint = { turn: node.turn, storyTime: node.storyTime };
    for (const event of node.events)
      this.applyEvent(event, event.turn === at.turn && event.storyTime === at.storyTime ? at : undefined);
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

  private applyEvent(e: WorldEvent, shared: TimePoint | undefined): void {
    this.seen?.set(e.id, e);
    const at: TimePoint = shared ?? { turn: e.turn, storyTime: e.storyTime };
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
        // Every field present, in one order: one hidden class for all hooks (see factVersion).
        this.effects.mapAdd(this.hooks, e.id, {
          id: e.id,
          description: p.description,
          condition: p.condition,
          deadline: p.deadline,
          involves: p.involves,
          importance: p.importance,
          openedTurn: e.turn,
          resolvedTurn: undefined,
          resolvedBy: undefined,
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
        this.effects.mapAdd(this.summaries, e.id, {
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
    // The key is built and looked up once; versions are visited straight from the open set (closing one only
    // deletes the entry being visited, which Set iteration allows).
    const key = factKey(subject, predicate);
    const open = this.open.get(key);
    let kept: string | undefined;
    if (open !== undefined)
      for (const f of open) {
        if (op === "remove") {
          if (object === "*" || f.object === object) this.close(f, open, at, e.id);
        } else if (f.object === object && (f.hard || !hard)) kept = f.id;
        else if (op === "set" || f.object === object) this.close(f, open, at, e.id);
      }
    if (op === "remove") return;
    const id = kept ?? e.id;
    if (kept === undefined)
      this.addFact(
        factVersion({ id, subject, predicate, object, validFrom: at, recordedTurn: e.turn, sourceEvent: e.id, hard }),
        key,
        open,
      );
    else this.effects.mapAdd(this.reaffirmed, e.id, kept);
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
      const knowers = knowersOf(this, v.id);
      this.supersede(v.id, e);
      if (v.validFrom.storyTime < storyTime) {
        const copy = `${e.id}~${v.id}`;
        this.addFact(
          factVersion({
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
          }),
        );
        for (const k of knowers) {
          this.learn(k, copy, { how: "edit", turn: e.turn, event: e.id });
          heirs.add(k);
        }
      } else for (const k of knowers) heirs.add(k);
    }
    if (replacement) {
      this.addFact(
        factVersion({
          id: replacement,
          subject,
          predicate,
          object,
          validFrom: from,
          recordedTurn: e.turn,
          sourceEvent: e.id,
          hard,
        }),
      );
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

  /** Record a fact version; `key` and `open` may be passed when the caller already looked them up. */
  private addFact(fact: Fact, key = factKey(fact.subject, fact.predicate), open = this.open.get(key)): void {
    this.effects.addFact(fact);
    if (fact.validTo !== undefined || fact.supersededTurn !== undefined) return;
    if (open === undefined) this.effects.setAdd(this.open, key, fact);
    else this.effects.addTo(open, fact);
  }

  /** End an open version at `at`; `open` is the set of its key's open versions. */
  private close(f: Fact, open: Set<Fact>, at: TimePoint, by: string): void {
    f.validTo = at;
    f.closedBy = by;
    this.index.moveEnd(f, f.validFrom.turn, Number.POSITIVE_INFINITY, at.turn);
    this.effects.deleteFrom(open, f);
    this.effects.factClosed(f);
  }

  private supersede(id: string, e: WorldEvent): void {
    const f = this.fact(id);
    f.supersededTurn = e.turn;
    f.supersededBy = e.id;
    if (f.validTo === undefined) this.effects.setDelete(this.open, factKey(f.subject, f.predicate), f);
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

  /** Ids of the open versions of (subject, predicate). */
  openIds(subject: string, predicate: string): string[] {
    const out: string[] = [];
    for (const f of this.open.get(factKey(subject, predicate)) ?? []) out.push(f.id);
    return out;
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
