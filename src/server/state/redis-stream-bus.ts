import type { Redis } from "ioredis";
import type { Logger } from "../../core/index.ts";
import { FINISHED_TTL_MS, type StreamBus, type StreamEvent } from "./stream-bus.ts";

/** A reply in flight is kept this long at most, should its process die before it ends. */
const IN_FLIGHT_TTL_MS = 10 * 60_000;

const key = (messageId: string) => `troupe:reply:${messageId}`;

/**
 * Replies in flight in Redis streams (one per reply: XADD per piece, XRANGE then XREAD BLOCK to follow), so a client
 * can pick a reply up from any server process. Appends go out pipelined and never hold the reply up.
 */
export class RedisStreamBus implements StreamBus {
  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
  ) {}

  append(messageId: string, event: StreamEvent): void {
    const k = key(messageId);
    this.redis
      .pipeline()
      .xadd(k, "*", "e", JSON.stringify(event))
      .pexpire(k, event.kind === "done" ? FINISHED_TTL_MS : IN_FLIGHT_TTL_MS)
      .exec()
      .catch((error: unknown) => this.logger.warn({ err: error }, "stream bus append failed"));
  }

  async *read(messageId: string, options: { signal: AbortSignal; idleMs?: number }): AsyncIterable<StreamEvent> {
    const k = key(messageId);
    const first = await this.redis.xrange(k, "-", "+");
    if (first.length === 0) return;
    let last = "0";
    for (const [id, fields] of first) {
      last = id;
      const event = JSON.parse(fields[1] as string) as StreamEvent;
      yield event;
      if (event.kind === "done") return;
    }
    // A blocking read holds its connection: each follower gets its own, closed when it stops.
    const follower = this.redis.duplicate();
    const stop = () => follower.disconnect();
    options.signal.addEventListener("abort", stop, { once: true });
    try {
      while (!options.signal.aborted) {
        const batch = await follower.xread("BLOCK", options.idleMs ?? 30_000, "STREAMS", k, last);
        if (!batch) return;
        for (const [id, fields] of batch[0]?.[1] ?? []) {
          last = id;
          const event = JSON.parse(fields[1] as string) as StreamEvent;
          yield event;
          if (event.kind === "done") return;
        }
      }
    } catch (error) {
      if (!options.signal.aborted) throw error;
    } finally {
      options.signal.removeEventListener("abort", stop);
      follower.disconnect();
    }
  }

  async close(): Promise<void> {}
}
