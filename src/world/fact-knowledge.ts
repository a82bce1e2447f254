import type { WorldEvent } from "./event.ts";
import type { Fact } from "./fact.ts";
import type { Knowledge } from "./projection-records.ts";

/**
 * What knowledge is derived from: a Projection is one. Named here rather than imported, so the projection (which
 * asks who knows a fact it supersedes) and this module do not import each other.
 */
export interface KnowledgeSource {
  readonly facts: ReadonlyMap<string, Fact>;
  /** Changes that re-asserted a value already open: the event id → the fact version it confirmed. */
  readonly reaffirmed: ReadonlyMap<string, string>;
  /** Knowledge gained other than by perceiving the change itself, per character. */
  readonly learned: ReadonlyMap<string, readonly Knowledge[]>;
  event(id: string): WorldEvent | undefined;
}

/**
 * Everyone who knows a fact version, and how: the witnesses of the change that asserted it, of the changes that
 * re-affirmed it, and what was learned otherwise (told, a witnessed edit, a retcon's heirs). Derived on demand from
 * the projection, never maintained, so apply and undo stay lean.
 */
export function knowledgeOf(p: KnowledgeSource, factId: string): Knowledge[] {
  const out: Knowledge[] = [];
  const f = p.facts.get(factId);
  const source = f ? p.event(f.sourceEvent) : undefined;
  if (source?.kind === "changed" && source.id === factId)
    for (const who of source.witnesses)
      out.push({ who, fact: factId, how: source.payload.how, turn: source.turn, event: source.id });
  for (const [eventId, fid] of p.reaffirmed) {
    const e = fid === factId ? p.event(eventId) : undefined;
    if (e?.kind === "changed")
      for (const who of e.witnesses) out.push({ who, fact: factId, how: e.payload.how, turn: e.turn, event: e.id });
  }
  for (const list of p.learned.values()) for (const k of list) if (k.fact === factId) out.push(k);
  return out;
}

/** Names of everyone who knows a fact version. */
export function knowersOf(p: KnowledgeSource, factId: string): string[] {
  return [...new Set(knowledgeOf(p, factId).map((k) => k.who))];
}
