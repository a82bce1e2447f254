import type { Clock } from "./clock.ts";
import type { EventContext, PayloadOf } from "./event-types.ts";

/** Continuous viewable time before a reply counts as seen (MRC display viewability). */
export const EXPOSURE_MS = 1000;
/** Without input for this long the person is taken to be away: dwell stops accruing. */
export const IDLE_MS = 60_000;
// Fine steps so the large-reply rule (visible height ≥ half the viewport) is noticed near where it starts to hold.
const THRESHOLDS = Array.from({ length: 21 }, (_, i) => i / 20);

/** What the tracker knows about a rendered message. */
export interface TrackedMessage {
  context: EventContext & { message_id: string };
  words: number;
  streaming: boolean;
}

/** Where the tracker's events go. */
export interface ViewSink {
  exposure(context: EventContext, payload: PayloadOf<"exposure">): void;
  dwell(context: EventContext, payload: PayloadOf<"dwell">): void;
}

interface State {
  info: TrackedMessage;
  element?: Element;
  /** Passes the viewability rule in the scroller right now. */
  inView: boolean;
  fraction: number;
  maxFraction: number;
  /** mono time the current continuous viewable stretch began (while counting). */
  countingSince?: number;
  /** mono time the current dwell episode began (in view in a visible tab). */
  episodeSince?: number;
  episodeVisibleMs: number;
  episodeStreamMs: number;
  episodeReadMs: number;
  episodeMaxFraction: number;
  /** Visible time over the page's life (swipes and regenerates report it). */
  totalVisibleMs: number;
  exposed: boolean;
  timer?: ReturnType<typeof setTimeout>;
  /** mono time the reply was first shown whole (stream end while viewable, or first exposure). */
  shownAt?: number;
}

/**
 * Exposure and dwell of the messages in a scroller. A message is in view when at least half of it is visible in
 * the scroller, or, when it is taller than that allows, when its visible height reaches half the viewport. It
 * counts while the tab is visible and focused and the person is not idle. One second of continuous counting makes
 * an exposure (once per message per page); each stretch in view ends in a dwell event with the time counted.
 */
export class ViewTracker {
  private readonly states = new Map<string, State>();
  private readonly byElement = new WeakMap<Element, string>();
  private observer: IntersectionObserver | undefined;
  private tabVisible = document.visibilityState === "visible";
  private focused = document.hasFocus();
  private idle = false;
  private lastInput: number;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly sink: ViewSink,
  ) {
    this.lastInput = clock.mono();
    this.armIdle();
  }

  /** Observe messages inside this scroller (the chat's list); earlier elements are dropped. */
  setRoot(root: Element | null): void {
    this.observer?.disconnect();
    this.observer = undefined;
    for (const state of this.states.values()) this.leaveView(state);
    if (!root) return;
    this.observer = new IntersectionObserver((entries) => this.onEntries(entries), {
      root,
      threshold: THRESHOLDS,
    });
    for (const state of this.states.values()) if (state.element) this.observer.observe(state.element);
  }

  /** Start tracking a rendered message element (called again when its facts change: streaming ended, words). */
  track(element: Element, info: TrackedMessage): void {
    const id = info.context.message_id;
    let state = this.states.get(id);
    if (!state) {
      state = {
        info,
        inView: false,
        fraction: 0,
        maxFraction: 0,
        episodeVisibleMs: 0,
        episodeStreamMs: 0,
        episodeReadMs: 0,
        episodeMaxFraction: 0,
        totalVisibleMs: 0,
        exposed: false,
      };
      this.states.set(id, state);
    }
    if (state.info.streaming !== info.streaming) {
      // Split the counted time at the stream's end: stream_ms before, read_ms after.
      this.pause(state);
      state.info = info;
      if (!info.streaming && state.inView && state.shownAt === undefined) state.shownAt = this.clock.mono();
      this.resume(state);
    } else state.info = info;
    if (state.element !== element) {
      if (state.element) this.observer?.unobserve(state.element);
      state.element = element;
      this.byElement.set(element, id);
      this.observer?.observe(element);
    }
  }

  /** The element left the DOM (the virtual list recycled it, or the chat closed): its dwell episode ends. */
  untrack(element: Element): void {
    const id = this.byElement.get(element);
    if (!id) return;
    const state = this.states.get(id);
    this.observer?.unobserve(element);
    if (!state || state.element !== element) return;
    state.element = undefined;
    this.leaveView(state);
  }

  /** Visible milliseconds a message has had on this page. */
  visibleMs(messageId: string): number {
    const state = this.states.get(messageId);
    if (!state) return 0;
    const running = state.countingSince === undefined ? 0 : this.clock.mono() - state.countingSince;
    return Math.round(state.totalVisibleMs + running);
  }

  /** When the reply was first shown whole (mono ms), if it was. */
  shownAt(messageId: string): number | undefined {
    return this.states.get(messageId)?.shownAt;
  }

  /** The page became hidden or visible (Page Visibility). */
  setTabVisible(visible: boolean): void {
    if (visible === this.tabVisible) return;
    if (!visible) {
      for (const state of this.states.values()) this.endEpisode(state);
      this.tabVisible = false;
    } else {
      this.tabVisible = true;
      for (const state of this.states.values()) if (state.inView) this.beginEpisode(state);
    }
  }

  /** The window gained or lost focus. */
  setFocused(focused: boolean): void {
    if (focused === this.focused) return;
    this.eachCounting(() => {
      this.focused = focused;
    });
  }

  /** The person did something (key, pointer, wheel, scroll): not idle. */
  noteInput(): void {
    const now = this.clock.mono();
    if (!this.idle && now - this.lastInput >= IDLE_MS)
      // Idle, though the timer has not noticed yet: close the counted stretch at the idle point first.
      this.eachCounting(() => {
        this.idle = true;
      });
    this.lastInput = now;
    if (this.idle)
      this.eachCounting(() => {
        this.idle = false;
      });
  }

  /** End every open episode now (the page is going away or the chat closes). */
  flushEpisodes(): void {
    for (const state of this.states.values()) {
      this.endEpisode(state);
      if (state.inView && this.tabVisible) this.beginEpisode(state);
    }
  }

  /** Whether any tracked message is still streaming. */
  anyStreaming(): boolean {
    for (const state of this.states.values()) if (state.info.streaming && state.element) return true;
    return false;
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    const wait = this.lastInput + IDLE_MS - this.clock.mono();
    this.idleTimer = setTimeout(
      () => {
        if (this.clock.mono() - this.lastInput >= IDLE_MS && !this.idle)
          this.eachCounting(() => {
            this.idle = true;
          });
        this.armIdle();
      },
      Math.max(1000, wait),
    );
  }

  /** Apply a change of the page's state around a pause/resume of every counting message. */
  private eachCounting(change: () => void): void {
    for (const state of this.states.values()) this.pause(state);
    change();
    for (const state of this.states.values()) this.resume(state);
  }

  private active(): boolean {
    return this.tabVisible && this.focused && !this.idle;
  }

  private onEntries(entries: IntersectionObserverEntry[]): void {
    // Callbacks only come on threshold crossings; apply them in the order they happened.
    for (const entry of [...entries].sort((a, b) => a.time - b.time)) {
      const id = this.byElement.get(entry.target);
      const state = id ? this.states.get(id) : undefined;
      if (!state || state.element !== entry.target) continue;
      const box = entry.boundingClientRect;
      const rootHeight = entry.rootBounds?.height ?? window.innerHeight;
      const visibleHeight = entry.intersectionRect.height;
      const fraction = entry.isIntersecting ? entry.intersectionRatio : 0;
      const large = box.height > 0 && visibleHeight >= Math.min(box.height / 2, rootHeight / 2);
      const inView = entry.isIntersecting && (fraction >= 0.5 || large);
      state.fraction = fraction;
      state.maxFraction = Math.max(state.maxFraction, fraction);
      state.episodeMaxFraction = Math.max(state.episodeMaxFraction, fraction);
      if (inView && !state.inView) {
        state.inView = true;
        if (this.tabVisible) this.beginEpisode(state);
      } else if (!inView && state.inView) this.leaveView(state);
    }
  }

  private leaveView(state: State): void {
    state.inView = false;
    this.endEpisode(state);
  }

  private beginEpisode(state: State): void {
    if (state.episodeSince !== undefined) return;
    state.episodeSince = this.clock.mono();
    state.episodeVisibleMs = 0;
    state.episodeStreamMs = 0;
    state.episodeReadMs = 0;
    state.episodeMaxFraction = state.fraction;
    this.resume(state);
  }

  private endEpisode(state: State): void {
    if (state.episodeSince === undefined) return;
    this.pause(state);
    const wall = this.clock.mono() - state.episodeSince;
    state.episodeSince = undefined;
    const visible = Math.round(state.episodeVisibleMs);
    if (visible <= 0) return;
    this.sink.dwell(state.info.context, {
      visible_ms: visible,
      wall_ms: Math.round(wall),
      stream_ms: Math.round(state.episodeStreamMs),
      read_ms: Math.round(state.episodeReadMs),
      words: state.info.words,
      max_visible_fraction: round3(state.episodeMaxFraction),
    });
  }

  /** Start counting if the message is in an episode and the page is active. */
  private resume(state: State): void {
    if (state.episodeSince === undefined || state.countingSince !== undefined || !this.active()) return;
    const since = this.clock.mono();
    state.countingSince = since;
    if (!state.exposed) {
      clearTimeout(state.timer);
      state.timer = setTimeout(() => this.checkExposure(state, since), EXPOSURE_MS);
    }
  }

  /** Stop counting, adding the stretch to the episode. */
  /**
   * Now, or the moment the person went idle when that came first: counted time never includes the idle minute,
   * however late the idle timer noticed it.
   */
  private countedUntil(since: number): number {
    return Math.max(since, Math.min(this.clock.mono(), this.lastInput + IDLE_MS));
  }

  private pause(state: State): void {
    if (state.countingSince === undefined) return;
    const ms = this.countedUntil(state.countingSince) - state.countingSince;
    state.countingSince = undefined;
    clearTimeout(state.timer);
    state.episodeVisibleMs += ms;
    state.totalVisibleMs += ms;
    if (state.info.streaming) state.episodeStreamMs += ms;
    else state.episodeReadMs += ms;
  }

  private checkExposure(state: State, since: number): void {
    if (state.exposed || state.countingSince !== since) return;
    const continuous = this.countedUntil(since) - since;
    if (this.countedUntil(since) < this.clock.mono()) return; // went idle before a second passed
    // A timer may fire early by a clock tick; wait out the rest rather than round up.
    if (continuous < EXPOSURE_MS) {
      state.timer = setTimeout(() => this.checkExposure(state, since), EXPOSURE_MS - continuous);
      return;
    }
    state.exposed = true;
    if (state.shownAt === undefined && !state.info.streaming) state.shownAt = this.clock.mono();
    this.sink.exposure(state.info.context, {
      visible_ms: Math.round(continuous),
      max_visible_fraction: round3(state.maxFraction),
      words: state.info.words,
      while_streaming: state.info.streaming,
    });
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
