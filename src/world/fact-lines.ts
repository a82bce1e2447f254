// Facts, events and causal chains as plain text lines: what the world commands print, and a chat's `/why` and
// `/facts` too. Plain text, no terminal codes, so any front end can show it.
import type { WorldEvent } from "./event.ts";
import { type Fact, factText } from "./fact.ts";
import type { CauseNode, WhyView } from "./queries.ts";
import { formatStoryTime } from "./story-time.ts";

/** One event as a short readable phrase. */
export function eventText(e: WorldEvent): string {
  switch (e.kind) {
    case "happened":
      return e.payload.utterance
        ? `${e.payload.utterance.speaker} says "${clip(e.payload.utterance.text, 70)}"`
        : `${e.payload.actor ? `${e.payload.actor}: ` : ""}${e.payload.description}`;
    case "changed":
      return `${e.payload.op === "remove" ? "no longer " : e.payload.op === "add" ? "+ " : ""}${factText(e.payload)}`;
    case "may_happen":
      return `may happen: ${e.payload.description}${e.payload.deadline !== undefined ? ` (by ${formatStoryTime(e.payload.deadline)})` : ""}`;
    case "user_edit":
      return e.payload.op === "strike"
        ? `edit: strike ${e.payload.eventId}`
        : e.payload.op === "resolve_hook"
          ? `edit: resolve hook ${e.payload.hookId}`
          : `edit: ${e.payload.op} ${factText(e.payload)}${e.payload.validFrom !== undefined ? ` from ${formatStoryTime(e.payload.validFrom)}` : ""}${e.payload.hard ? " [hard]" : ""}`;
    case "summary":
      return `summary: ${clip(e.payload.text, 70)}`;
  }
}

/** Shorten text to n characters on one line. */
export function clip(text: string, n = 80): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}

/** A fact with its validity on both axes. */
export function factLine(f: Fact): string {
  const from = `turn ${f.validFrom.turn} (${formatStoryTime(f.validFrom.storyTime)})`;
  const to = f.validTo ? `turn ${f.validTo.turn} (${formatStoryTime(f.validTo.storyTime)})` : "now";
  const rec = f.supersededTurn !== undefined ? `, superseded at turn ${f.supersededTurn}` : "";
  return `${factText(f).padEnd(40)} valid ${from} → ${to}${rec}${f.hard ? " [hard]" : ""}  ${f.id}`;
}

/** A causal chain as an indented tree, newest first. */
export function chainLines(why: WhyView): string[] {
  const lines = [
    `${factText(why.fact)} ${why.holdsNow ? "holds now" : why.fact.supersededTurn !== undefined ? "is no longer believed (superseded)" : "no longer holds"}`,
    `  valid from turn ${why.fact.validFrom.turn} (${formatStoryTime(why.fact.validFrom.storyTime)})${why.fact.validTo ? ` to turn ${why.fact.validTo.turn} (${formatStoryTime(why.fact.validTo.storyTime)})` : ""}`,
    "because:",
  ];
  const walk = (n: CauseNode, depth: number) => {
    lines.push(
      `${"  ".repeat(depth + 1)}← turn ${n.event.turn} ${n.event.kind} ${n.event.id}: ${eventText(n.event)}${n.repeated ? " (see above)" : ""}`,
    );
    for (const c of n.causes) walk(c, depth + 1);
  };
  walk(why.chain, 0);
  if (why.closedBy) lines.push(`ended by turn ${why.closedBy.turn} ${why.closedBy.id}: ${eventText(why.closedBy)}`);
  if (why.supersededBy)
    lines.push(`superseded by turn ${why.supersededBy.turn} ${why.supersededBy.id}: ${eventText(why.supersededBy)}`);
  const knowers = [
    ...new Set(
      why.knownBy.map((k) => `${k.who === "*" ? "everyone" : k.who} (${k.how}${k.via ? ` by ${k.via}` : ""})`),
    ),
  ];
  lines.push(`known by: ${knowers.length ? knowers.join(", ") : "nobody in the story"}`);
  return lines;
}
