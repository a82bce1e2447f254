// The records a projection derives besides facts: who knows what, hooks, summaries.

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
