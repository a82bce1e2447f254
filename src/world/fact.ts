/** A point on both axes a fact's validity is measured on: the turn (depth on the branch) and story time. */
export interface TimePoint {
  turn: number;
  storyTime: number;
}

/**
 * A fact version, bi-temporal in Graphiti's sense: `validFrom`/`validTo` say when it was true in the story
 * (turns and story time), `recordedTurn`/`supersededTurn` when the ledger believed it. A contradicting change
 * closes the old version (sets `validTo`); a retroactive edit or a strike supersedes it. Nothing is deleted.
 */
export interface Fact {
  id: string;
  subject: string;
  predicate: string;
  object: string;
  validFrom: TimePoint;
  validTo?: TimePoint;
  /** The turn at which the ledger recorded this version. */
  recordedTurn: number;
  /** The turn at which a later edit replaced this version (it is then no longer believed). */
  supersededTurn?: number;
  supersededBy?: string;
  /** The event that asserted this version. */
  sourceEvent: string;
  /** The event whose change closed it. */
  closedBy?: string;
  /** A lore hard fact: the consistency check refuses proposals that end it. */
  hard: boolean;
}

/** What a new fact version is made from (the rest starts undefined). */
export type FactFields = Pick<
  Fact,
  "id" | "subject" | "predicate" | "object" | "validFrom" | "recordedTurn" | "sourceEvent" | "hard"
> &
  Pick<Partial<Fact>, "validTo" | "closedBy">;

/**
 * A fact version with every optional field present (undefined until set) in one fixed order. All versions then
 * share one hidden class, so closing, superseding and undoing only write fields: adding or deleting properties
 * instead would reshape each object and make V8 throw away the optimised code that relies on the shape.
 */
export function factVersion(f: FactFields): Fact {
  return {
    id: f.id,
    subject: f.subject,
    predicate: f.predicate,
    object: f.object,
    validFrom: f.validFrom,
    validTo: f.validTo,
    recordedTurn: f.recordedTurn,
    supersededTurn: undefined,
    supersededBy: undefined,
    sourceEvent: f.sourceEvent,
    closedBy: f.closedBy,
    hard: f.hard,
  };
}

/**
 * Predicates with one value per subject at a time. `set` is their natural operation, and two open values are a
 * violation ("one location at a time", "alive or dead").
 */
export const FUNCTIONAL_PREDICATES: ReadonlySet<string> = new Set([
  "at",
  "location",
  "status",
  "type",
  "mood",
  "age",
  "name",
  "role",
  "leader",
  "owner",
]);

/** Predicates whose object is held by at most one subject at a time (an item has one holder). */
export const EXCLUSIVE_OBJECT_PREDICATES: ReadonlySet<string> = new Set(["holds", "carries", "wears", "owns"]);

/** Predicates whose object is an entity, so they form relations in the entity graph. */
export const RELATION_PREDICATES: ReadonlySet<string> = new Set([
  "at",
  "location",
  "holds",
  "carries",
  "wears",
  "owns",
  "member_of",
  "knows",
  "trusts",
  "distrusts",
  "loves",
  "hates",
  "ally_of",
  "enemy_of",
  "serves",
  "leader",
  "owner",
  "parent_of",
  "child_of",
  "sibling_of",
  "married_to",
  "near",
  "inside",
]);

/** Normalise a predicate the way extraction and edits write it ("Located at" → "located_at", "location" → "at"). */
export function normalizePredicate(predicate: string): string {
  const p = predicate
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
  return p === "location" || p === "located_at" || p === "is_at" ? "at" : p === "has" ? "holds" : p;
}

/** The key a fact's versions share. */
export function factKey(subject: string, predicate: string): string {
  return `${subject}\u0000${predicate}`;
}

/** Whether a fact is valid at a turn, as known now (closed and superseded versions excluded accordingly). */
export function validAtTurn(fact: Fact, turn: number): boolean {
  return fact.validFrom.turn <= turn && (fact.validTo === undefined || fact.validTo.turn > turn);
}

/** A fact as one readable sentence: "Mara at the tavern". */
export function factText(fact: Pick<Fact, "subject" | "predicate" | "object">): string {
  return `${fact.subject} ${fact.predicate.replace(/_/g, " ")} ${fact.object}`;
}
