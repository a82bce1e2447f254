import type { ComponentChildren, RefObject } from "preact";
import { useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef } from "preact/hooks";

/** Pixels rendered beyond the viewport on each side, so a fast scroll rarely shows a gap. */
const OVERSCAN_PX = 800;
/** Within this distance of the end the list counts as "at the bottom" and follows new content. */
const BOTTOM_SLACK_PX = 48;

export interface VirtualListProps<T> {
  items: readonly T[];
  keyOf: (item: T) => string;
  render: (item: T, index: number) => ComponentChildren;
  /** Height to assume for a row never measured. */
  estimate: (item: T) => number;
  /** The scrolling element (the list renders into it). */
  scroller: RefObject<HTMLElement | null>;
  /** Bumped by the owner to jump to the end (a message sent). */
  followToken: number;
}

/**
 * A windowed list for long chats: only rows near the viewport are in the DOM, between two spacers whose heights
 * stand for the rest. Row heights are measured with a ResizeObserver and remembered by key, so rows grow freely
 * (a streaming reply) and the browser's scroll anchoring keeps the reader's place when rows above are measured.
 * While the reader is at the bottom, the list follows new content; once they scroll up it stays where they are.
 */
export function VirtualList<T>({ items, keyOf, render, estimate, scroller, followToken }: VirtualListProps<T>) {
  const heights = useRef(new Map<string, number>());
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const view = useRef({ top: 0, height: 800 });
  const atBottom = useRef(true);
  const frame = useRef(0);
  const refs = useRef(new Map<string, (el: HTMLElement | null) => void>());

  const schedule = useCallback(() => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      rerender(0);
    });
  }, []);

  const observer = useMemo(
    () =>
      new ResizeObserver((entries) => {
        let changed = false;
        for (const entry of entries) {
          const key = (entry.target as HTMLElement).dataset["key"];
          if (!key) continue;
          const height = entry.borderBoxSize[0]?.blockSize ?? entry.contentRect.height;
          if (height > 0 && heights.current.get(key) !== height) {
            heights.current.set(key, height);
            changed = true;
          }
        }
        if (changed) schedule();
      }),
    [schedule],
  );
  useEffect(() => () => observer.disconnect(), [observer]);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const onScroll = () => {
      view.current = { top: el.scrollTop, height: el.clientHeight };
      atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK_PX;
      schedule();
    };
    const resize = new ResizeObserver(onScroll);
    resize.observe(el);
    el.addEventListener("scroll", onScroll, { passive: true });
    onScroll();
    return () => {
      el.removeEventListener("scroll", onScroll);
      resize.disconnect();
    };
  }, [scroller, schedule]);

  useEffect(() => {
    atBottom.current = true;
    schedule();
  }, [followToken, schedule]);

  // Offsets of every row from the measured or estimated heights (cheap: a thousand additions).
  const offsets = new Float64Array(items.length + 1);
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T;
    offsets[i + 1] = (offsets[i] ?? 0) + (heights.current.get(keyOf(item)) ?? estimate(item));
  }
  const total = offsets[items.length] ?? 0;
  const { top, height } = view.current;
  const start = Math.max(0, upperBound(offsets, top - OVERSCAN_PX) - 1);
  let end = Math.min(items.length, upperBound(offsets, top + height + OVERSCAN_PX));
  // While following the end, the last rows are always rendered (the scroll position is about to move there).
  const from = atBottom.current ? Math.max(0, upperBound(offsets, total - height - OVERSCAN_PX) - 1) : start;
  if (atBottom.current) end = items.length;

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  });

  // One stable ref per key, so a row is observed when it mounts and released when it unmounts, not every render.
  const measure = (key: string) => {
    let ref = refs.current.get(key);
    if (!ref) {
      let current: HTMLElement | null = null;
      ref = (el: HTMLElement | null) => {
        if (current && current !== el) observer.unobserve(current);
        current = el;
        if (el) {
          el.dataset["key"] = key;
          observer.observe(el);
        } else refs.current.delete(key);
      };
      refs.current.set(key, ref);
    }
    return ref;
  };

  const rows: ComponentChildren[] = [];
  for (let i = from; i < end; i++) {
    const item = items[i] as T;
    const key = keyOf(item);
    rows.push(
      <div key={key} class="vrow" ref={measure(key)}>
        {render(item, i)}
      </div>,
    );
  }
  return (
    <div class="vlist">
      <div class="vspacer" aria-hidden="true" ref={(el) => setHeight(el, offsets[from] ?? 0)} />
      {rows}
      <div
        class="vspacer"
        aria-hidden="true"
        ref={(el) => setHeight(el, Math.max(0, total - (offsets[end] ?? total)))}
      />
    </div>
  );
}

/** Size a spacer through the CSSOM (allowed under the CSP, unlike a style attribute in markup). */
function setHeight(el: HTMLElement | null, px: number): void {
  if (el) el.style.height = `${px}px`;
}

/** The first index whose offset exceeds `value` (offsets ascend). */
function upperBound(offsets: Float64Array, value: number): number {
  let lo = 0;
  let hi = offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((offsets[mid] ?? 0) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
