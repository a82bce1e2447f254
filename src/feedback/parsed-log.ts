import type { FeedbackText } from "./text-store.ts";

/** A problem with one line of an imported file; the other lines are still used. */
export interface LineIssue {
  /** 1-based line number (row number for Parquet). */
  line: number;
  message: string;
}

/** Events and texts reconstructed from one file, each event tagged with the line it came from. */
export interface ParsedLog {
  events: Array<Record<string, unknown>>;
  /** Line of each event, index for index (for per-line reports of events the schema rejects). */
  eventLines: number[];
  texts: FeedbackText[];
  issues: LineIssue[];
  notes: string[];
}
