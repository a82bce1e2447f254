import { browserClock, type Clock } from "./clock.ts";
import { newEventId } from "./event-id.ts";
import { EventQueue } from "./event-queue.ts";
import type { EventContext, FeedbackEvent, FeedbackEventType, PayloadOf } from "./event-types.ts";
import type { Transport } from "./transport.ts";
import { ViewTracker } from "./view-tracker.ts";

/** A beacon shares the browser's 64 KiB keepalive budget with every other in-flight one: leave headroom. */
export const BEACON_MAX_BYTES = 48 * 1024;
/** A regular batch stays under the route's 64 KiB body limit. */
const FETCH_MAX_BYTES = 56 * 1024;
const MAX_RETRY_MS = 5 * 60_000;

/** Settings of the capture. */
export interface CaptureOptions {
  transport: Transport;
  /** Where undelivered events wait across page loads (localStorage); none keeps them in memory only. */
  storage?: Storage;
  /** Names the stored queue, so two accounts in one browser never send each other's events. */
  queueKey: string;
  clock?: Clock;
  /** Send at least this often (ms) while events wait. */
  flushMs?: number;
  /** Send as soon as this many events wait. */
  maxBatch?: number;
}

/**
 * The client half of the feedback loop: typed events (schema v1) with client-minted ids, batched every few seconds
 * or every 20 events, retried with the same ids after failures (backoff with jitter), kept in localStorage while
 * offline, and handed to sendBeacon when the page is hidden or goes away. Exposure and dwell come from the view
 * tracker. No event ever holds message text.
 */
export class SignalCapture {
  readonly tracker: ViewTracker;
  readonly sessionId = newEventId();
  private readonly queue: EventQueue;
  private readonly clock: Clock;
  private readonly flushMs: number;
  private readonly maxBatch: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sending = false;
  private failures = 0;
  private retryAt = 0;
  private blocked = false;
  private readonly startedMono: number;
  private activeMs = 0;
  private activeSince: number | undefined;
  private ended = false;
  private detach: Array<() => void> = [];
  /** The last reply on screen, which a leave concerns. */
  private lastReply: EventContext | undefined;

  constructor(private readonly options: CaptureOptions) {
    this.clock = options.clock ?? browserClock;
    this.flushMs = options.flushMs ?? 5000;
    this.maxBatch = options.maxBatch ?? 20;
    this.queue = new EventQueue(options.storage, options.queueKey);
    this.startedMono = this.clock.mono();
    this.tracker = new ViewTracker(this.clock, {
      exposure: (context, payload) => this.emit("exposure", context, payload),
      dwell: (context, payload) => this.emit("dwell", context, payload),
    });
  }

  /** Begin the session: session_start, page lifecycle listeners, and delivery of what an earlier page left. */
  start(account?: "user" | "admin"): void {
    if (document.visibilityState === "visible") this.activeSince = this.clock.mono();
    this.emit(
      "session_start",
      {},
      {
        client: "troupe-web",
        user_agent: navigator.userAgent.slice(0, 512),
        ...(account ? { account } : {}),
      },
    );
    const on = <K extends keyof WindowEventMap>(target: Window, type: K, fn: (e: WindowEventMap[K]) => void) => {
      target.addEventListener(type, fn, { capture: true, passive: true });
      this.detach.push(() => target.removeEventListener(type, fn, { capture: true }));
    };
    const onVisibility = () => this.onVisibility(document.visibilityState === "visible");
    document.addEventListener("visibilitychange", onVisibility);
    this.detach.push(() => document.removeEventListener("visibilitychange", onVisibility));
    on(window, "pagehide", (e) => this.onPageHide(e.persisted));
    on(window, "pageshow", (e) => {
      if (e.persisted) this.onVisibility(true);
    });
    on(window, "focus", () => this.tracker.setFocused(true));
    on(window, "blur", () => this.tracker.setFocused(false));
    on(window, "online", () => {
      this.retryAt = 0;
      void this.flush();
    });
    for (const type of ["keydown", "pointerdown", "wheel", "scroll", "touchstart"] as const)
      on(window, type, () => this.tracker.noteInput());
    this.schedule();
  }

  /** Record an event about a chat, message or candidate. */
  emit<T extends FeedbackEventType>(type: T, context: EventContext, payload: PayloadOf<T>): void {
    if (this.ended) return;
    const event = {
      schema_version: 1,
      event_id: newEventId(),
      type,
      created_at_client: Math.round(this.clock.now()),
      mono_ms: Math.round(this.clock.mono() * 1000) / 1000,
      session_id: this.sessionId,
      source: "web",
      ...clean(context),
      payload,
    } as FeedbackEvent;
    this.queue.push(event);
    if (this.queue.size >= this.maxBatch) void this.flush();
    else this.schedule();
  }

  /** The reply now last on screen (a leave is about it). */
  setLastReply(context: EventContext | undefined): void {
    this.lastReply = context;
  }

  /** Send what waits now (in batches until the queue is empty, a send fails, or a retry is not yet due). */
  async flush(): Promise<void> {
    if (this.sending || this.blocked) return;
    if (this.clock.now() < this.retryAt) return this.schedule();
    if (typeof navigator.onLine === "boolean" && !navigator.onLine) return this.schedule();
    this.sending = true;
    try {
      while (this.queue.size > 0) {
        const events = this.queue.peek(100, FETCH_MAX_BYTES);
        const outcome = await this.options.transport.send({ sent_at_client: Math.round(this.clock.now()), events });
        if (outcome.kind === "retry") {
          this.failures++;
          const wait = Math.min(2000 * 2 ** (this.failures - 1), MAX_RETRY_MS);
          this.retryAt = this.clock.now() + wait * (0.5 + Math.random());
          break;
        }
        if (outcome.kind === "auth") {
          // Signed out: keep the events for the next sign-in on this browser.
          this.blocked = true;
          break;
        }
        this.failures = 0;
        this.retryAt = 0;
        if (outcome.kind === "ok" && outcome.rejected.length > 0)
          console.warn(`troupe: the server refused ${outcome.rejected.length} feedback event(s)`);
        this.queue.remove(events);
      }
    } finally {
      this.sending = false;
      this.schedule();
    }
  }

  /** End the session (sign-out): session_end, everything sent. */
  async end(reason: "logout" | "closed" = "logout"): Promise<void> {
    this.tracker.flushEpisodes();
    this.emitSessionEnd(reason);
    this.ended = true;
    for (const undo of this.detach) undo();
    this.detach = [];
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private emitSessionEnd(reason: "closed" | "logout"): void {
    const now = this.clock.mono();
    const active = this.activeMs + (this.activeSince === undefined ? 0 : now - this.activeSince);
    this.emit(
      "session_end",
      {},
      {
        duration_ms: Math.round(now - this.startedMono),
        active_ms: Math.round(active),
        reason,
      },
    );
  }

  private onVisibility(visible: boolean): void {
    const now = this.clock.mono();
    if (visible) {
      if (this.activeSince === undefined) this.activeSince = now;
      this.tracker.setTabVisible(true);
      return;
    }
    if (this.activeSince !== undefined) this.activeMs += now - this.activeSince;
    this.activeSince = undefined;
    this.tracker.setTabVisible(false);
    this.emit("leave", this.lastReply ?? {}, {
      reason: "hidden",
      before_stream_end: this.tracker.anyStreaming(),
    });
    this.beaconAll();
  }

  private onPageHide(persisted: boolean): void {
    if (document.visibilityState === "visible") this.onVisibility(false);
    if (!persisted && !this.ended) {
      this.emitSessionEnd("closed");
      this.ended = true;
    }
    this.beaconAll();
  }

  /** Hand every waiting event to sendBeacon in chunks under the keepalive budget; what it refuses stays queued. */
  private beaconAll(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    // Offline, a beacon would be accepted and lost: the events stay stored for the next visit instead.
    const offline = typeof navigator.onLine === "boolean" && !navigator.onLine;
    while (!offline && this.queue.size > 0) {
      const events = this.queue.peek(500, BEACON_MAX_BYTES);
      const body = JSON.stringify({ sent_at_client: Math.round(this.clock.now()), events });
      if (!this.options.transport.beacon(body)) break;
      this.queue.remove(events);
    }
    if (!this.ended) this.schedule();
  }

  private schedule(): void {
    if (this.ended && this.queue.size === 0) return;
    if (this.timer !== undefined || this.queue.size === 0) return;
    const wait = Math.max(this.flushMs, this.retryAt - this.clock.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, wait);
  }
}

/** Drop absent fields (the schema treats undefined and missing alike, JSON does not carry undefined anyway). */
function clean(context: EventContext): EventContext {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context)) if (value !== undefined) out[key] = value;
  return out as EventContext;
}
