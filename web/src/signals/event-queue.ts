import type { FeedbackEvent } from "./event-types.ts";

/** At most this many events wait; beyond it the oldest are dropped (a tab offline for days must not fill storage). */
const MAX_EVENTS = 1000;

/**
 * Events waiting to be sent, mirrored to localStorage so a closed tab or an offline spell loses nothing: the next
 * page load sends them with the same event ids, and the server stores each id once.
 */
export class EventQueue {
  private items: FeedbackEvent[] = [];

  constructor(
    private readonly storage: Storage | undefined,
    private readonly key: string,
  ) {
    try {
      const saved = storage?.getItem(key);
      if (saved) this.items = (JSON.parse(saved) as FeedbackEvent[]).slice(-MAX_EVENTS);
    } catch {
      this.items = [];
    }
  }

  get size(): number {
    return this.items.length;
  }

  /** Add an event (dropping the oldest past the cap). */
  push(event: FeedbackEvent): void {
    this.items.push(event);
    if (this.items.length > MAX_EVENTS) this.items.splice(0, this.items.length - MAX_EVENTS);
    this.save();
  }

  /** The oldest events, in order, as many as fit `maxEvents` and `maxBytes` of JSON. */
  peek(maxEvents: number, maxBytes: number): FeedbackEvent[] {
    const out: FeedbackEvent[] = [];
    let bytes = 64;
    for (const event of this.items) {
      if (out.length >= maxEvents) break;
      const size = new TextEncoder().encode(JSON.stringify(event)).length + 1;
      if (out.length > 0 && bytes + size > maxBytes) break;
      bytes += size;
      out.push(event);
    }
    return out;
  }

  /** Forget events that were delivered (or refused for good). */
  remove(events: readonly FeedbackEvent[]): void {
    const ids = new Set(events.map((e) => e.event_id));
    this.items = this.items.filter((e) => !ids.has(e.event_id));
    this.save();
  }

  private save(): void {
    try {
      if (this.items.length === 0) this.storage?.removeItem(this.key);
      else this.storage?.setItem(this.key, JSON.stringify(this.items));
    } catch {
      // Storage full or disabled: the in-memory queue still works for this page.
    }
  }
}
