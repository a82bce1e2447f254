const OPEN = "<think>";
const CLOSE = "</think>";

/**
 * Remove reasoning blocks (`<think>…</think>`) that reasoning models put in their content. An unclosed block
 * (cut off by the token limit) removes everything after it; an orphan `</think>` (the template opened the block)
 * removes everything before it.
 */
export function stripThink(text: string): string {
  if (!text.includes("<think") && !text.includes(CLOSE)) return text;
  let out = text;
  const orphan = out.indexOf(CLOSE);
  const firstOpen = out.indexOf(OPEN);
  if (orphan !== -1 && (firstOpen === -1 || orphan < firstOpen)) out = out.slice(orphan + CLOSE.length);
  out = stripVisible(out, false);
  return out.replace(/^\s+/, "");
}

/** The visible part of streamed text so far: closed blocks removed, an open block and a half-typed tag held back. */
function stripVisible(text: string, holdPartialTag: boolean): string {
  let out = "";
  let rest = text;
  for (;;) {
    const open = rest.indexOf(OPEN);
    if (open === -1) break;
    out += rest.slice(0, open);
    const close = rest.indexOf(CLOSE, open + OPEN.length);
    if (close === -1) return out;
    rest = rest.slice(close + CLOSE.length);
  }
  if (holdPartialTag) {
    // "<thi" at the very end may become "<think>": hold it back until the next delta decides.
    for (let k = Math.min(OPEN.length - 1, rest.length); k > 0; k--) {
      if (OPEN.startsWith(rest.slice(-k))) return out + rest.slice(0, -k);
    }
  }
  return out + rest;
}

/**
 * A streaming `<think>` filter: feed raw deltas, get the visible text to emit. Visible text only grows, so what was
 * emitted is never taken back; the final text should still come from `stripThink` over the whole answer.
 */
export function createThinkFilter(): { push(delta: string): string; flush(): string } {
  let raw = "";
  let emitted = "";
  const advance = (holdPartial: boolean): string => {
    // Dropping leading whitespace keeps growth monotonic: trimStart(v + x) extends trimStart(v) once v has text.
    const visible = stripVisible(raw, holdPartial).replace(/^\s+/, "");
    if (!visible.startsWith(emitted)) return "";
    const out = visible.slice(emitted.length);
    emitted = visible;
    return out;
  };
  return {
    push: (delta) => {
      raw += delta;
      return advance(true);
    },
    flush: () => advance(false),
  };
}
