/** A span of a turn that is narration (stage directions), with its offset in the turn. */
export interface NarrationSpan {
  text: string;
  start: number;
}

const ACTION_MARKERS = /\*[^*\n]+\*|\uff08[^\uff09\n]+\uff09|\([^()\n]{2,}\)|\[[^\]\n]{2,}\]/g;
const QUOTED = /"[^"\n]*"|\u201c[^\u201d\n]*\u201d|\u300c[^\u300d\n]*\u300d|\u300e[^\u300f\n]*\u300f/g;

/**
 * The narration of a role-play turn: what the NPC writes as stage directions rather than speech. When the turn
 * marks actions (`*…*`, `（…）`, `(…)`, `[…]`), those spans are the narration; otherwise, when it quotes its speech,
 * everything outside the quotes is; a turn with neither has no detectable narration (speech and narration cannot be
 * told apart, so nothing is claimed). Speaks-for-user rules look only here, because "you smile" inside the NPC's
 * own speech is not writing the user's actions.
 */
export function narrationSpans(text: string): NarrationSpan[] {
  const marked = [...text.matchAll(ACTION_MARKERS)].map((m) => ({ text: m[0], start: m.index }));
  if (marked.length > 0) return marked;
  if (!QUOTED.test(text)) return [];
  QUOTED.lastIndex = 0;
  const spans: NarrationSpan[] = [];
  let last = 0;
  for (const m of text.matchAll(QUOTED)) {
    if (m.index > last) spans.push({ text: text.slice(last, m.index), start: last });
    last = m.index + m[0].length;
  }
  if (last < text.length) spans.push({ text: text.slice(last), start: last });
  return spans.filter((s) => s.text.trim().length > 0);
}
