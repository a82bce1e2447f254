import type { MessageView } from "../../chat/index.ts";

/** One piece of a reply as a second reader receives it: text appended in order, then the final message. */
export type StreamEvent = { kind: "delta"; text: string } | { kind: "done"; message: MessageView };

/**
 * Replies in flight, readable from any server process: the process generating a reply appends its pieces, and a
 * client that reconnects (another tab, a dropped connection, a load balancer that sends it elsewhere) reads the
 * pieces so far and then the rest as they come.
 */
export interface StreamBus {
  /** Append a piece of a reply (in order; `done` ends it). Never throws: a bus failure must not stop the reply. */
  append(messageId: string, event: StreamEvent): void;
  /**
   * Read a reply from its first piece: every piece so far, then new ones until `done`, the signal, or `idleMs`
   * without news (the generating process may have died). Yields nothing for a reply the bus never saw.
   */
  read(messageId: string, options: { signal: AbortSignal; idleMs?: number }): AsyncIterable<StreamEvent>;
  close(): Promise<void>;
}

/** How long a finished reply stays readable. */
export const FINISHED_TTL_MS = 60_000;
