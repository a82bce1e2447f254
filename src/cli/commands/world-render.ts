import { clip, eventText, formatStoryTime, type WorldNode } from "../../world/index.ts";

/** A node as one timeline line plus its events. */
export function nodeLines(n: WorldNode, options: { events?: boolean } = {}): string[] {
  const head = `#${String(n.turn).padStart(4)}  ${formatStoryTime(n.storyTime)}  ${n.kind.padEnd(9)} ${n.speaker ? `${n.speaker}: ${clip(n.text ?? "", 70)}` : `${n.events.length} event(s)`}`;
  if (!options.events) return [head];
  return [head, ...n.events.map((e) => `        ${e.id}  ${e.kind.padEnd(10)} ${eventText(e)}`)];
}
