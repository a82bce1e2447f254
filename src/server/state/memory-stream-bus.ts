import { EventEmitter } from "node:events";
import { FINISHED_TTL_MS, type StreamBus, type StreamEvent } from "./stream-bus.ts";

/** The bus of a single server process: replies in flight kept in memory, finished ones for a minute. */
export class MemoryStreamBus implements StreamBus {
  private readonly streams = new Map<string, StreamEvent[]>();
  private readonly emitter = new EventEmitter();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  append(messageId: string, event: StreamEvent): void {
    let events = this.streams.get(messageId);
    if (!events) {
      events = [];
      this.streams.set(messageId, events);
    }
    events.push(event);
    this.emitter.emit(messageId, event);
    if (event.kind === "done") {
      const timer = setTimeout(() => {
        this.streams.delete(messageId);
        this.timers.delete(timer);
      }, FINISHED_TTL_MS);
      timer.unref();
      this.timers.add(timer);
    }
  }

  async *read(messageId: string, options: { signal: AbortSignal; idleMs?: number }): AsyncIterable<StreamEvent> {
    const known = this.streams.get(messageId);
    if (!known) return;
    // Copy what is there and subscribe in one synchronous step, so nothing appended in between is lost.
    const queue = [...known];
    let wake: ((news: boolean) => void) | undefined;
    const listener = (event: StreamEvent) => {
      queue.push(event);
      wake?.(true);
    };
    this.emitter.on(messageId, listener);
    try {
      for (;;) {
        for (let event = queue.shift(); event; event = queue.shift()) {
          yield event;
          if (event.kind === "done") return;
        }
        if (options.signal.aborted) return;
        let timer: NodeJS.Timeout | undefined;
        const news = await new Promise<boolean>((resolve) => {
          wake = resolve;
          timer = setTimeout(() => resolve(false), options.idleMs ?? 30_000);
          options.signal.addEventListener("abort", () => resolve(false), { once: true });
        });
        clearTimeout(timer);
        wake = undefined;
        if (!news) return;
      }
    } finally {
      this.emitter.off(messageId, listener);
    }
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.streams.clear();
  }
}
