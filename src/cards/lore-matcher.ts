import type { CompiledEntry, CompiledLore, PatternInfo } from "./lore-compile.ts";
import { type CompiledKey, regexFind } from "./lore-keys.ts";
import type { LoreGlobalScanData, LoreKeyMatch } from "./lore-types.ts";
import { foldForLiteral } from "./regex-literal.ts";
import type { ScanBuffer, Segment } from "./scan-buffer.ts";

/** What an entry is allowed to see in one check. */
export interface ScanView {
  /** Messages visible (the entry's scan depth, widened by min-activation passes). */
  depth: number;
  sources: ReadonlyArray<keyof LoreGlobalScanData>;
  /** Content of entries activated in earlier loops (not during min-activation widening). */
  withRecursion: boolean;
}

/** Finds keys in the scan buffer. Two implementations give identical answers; only their cost differs. */
export interface LoreMatcher {
  /** Entry indices worth looking at in this loop, ascending (the naive matcher returns every entry). */
  candidates(): number[];
  /** Make entries candidates whatever the text says (sticky and forced entries). */
  addCandidates(indices: Iterable<number>): void;
  /** The first place (in buffer order) where the key matches, or undefined. */
  match(key: CompiledKey, view: ScanView, role: LoreKeyMatch["role"]): LoreKeyMatch | undefined;
  /** Scan newly activated content for the next loop. */
  addRecursion(text: string, loop: number): void;
  hasRecursion(): boolean;
}

const JOINER = "\n\u0001";

/** The buffer joined as SillyTavern joins it, with where each segment starts (regex keys run over this text). */
interface Joined {
  text: string;
  starts: number[];
  segments: Segment[];
}

class JoinedViews {
  private cache = new Map<string, Joined>();
  // Most entries share one view (the global depth, no extra sources); it is kept aside to skip building a key.
  private last: { view: ScanView; recursion: number; joined: Joined } | undefined;

  constructor(private readonly buffer: ScanBuffer) {}

  get(view: ScanView): Joined {
    const recursion = view.withRecursion ? this.buffer.recursion.length : -1;
    const last = this.last;
    if (last && last.recursion === recursion && last.view.depth === view.depth && last.view.sources === view.sources) {
      return last.joined;
    }
    const key = `${view.depth}|${view.sources.join(",")}|${recursion}`;
    let joined = this.cache.get(key);
    if (!joined) {
      const segments = this.buffer.segmentsFor(view.depth, view.sources, view.withRecursion);
      const starts: number[] = [];
      let text = segments.length > 0 ? "\u0001" : "";
      segments.forEach((s, i) => {
        if (i > 0) text += JOINER;
        starts.push(text.length);
        text += s.text;
      });
      joined = { text, starts, segments };
      this.cache.set(key, joined);
    }
    this.last = { view, recursion, joined };
    return joined;
  }

  /** Map an offset in the joined text back to a segment-relative match (`matched` is the text as searched). */
  locate(view: ScanView, start: number, matched: string, key: CompiledKey, role: LoreKeyMatch["role"]): LoreKeyMatch {
    const { starts, segments } = this.get(view);
    let i = starts.length - 1;
    while (i > 0 && (starts[i] as number) > start) i--;
    const seg = segments[i] as Segment;
    return toMatch(key, role, seg, Math.max(0, start - (starts[i] as number)), matched);
  }
}

function toMatch(
  key: CompiledKey,
  role: LoreKeyMatch["role"],
  seg: Segment,
  offset: number,
  text: string,
): LoreKeyMatch {
  return {
    key: key.key,
    role,
    source: seg.source,
    ...(seg.depth === undefined ? {} : { depth: seg.depth }),
    offset,
    text,
  };
}

function matchRegex(
  key: CompiledKey & { kind: "regex" },
  view: ScanView,
  joined: JoinedViews,
  role: LoreKeyMatch["role"],
  literalSeen?: (pattern: number, view: ScanView) => boolean,
) {
  if (!key.re || view.depth <= 0) return undefined;
  // A literal every match must contain, looked up in the index, rules most regex keys out before RE2 runs.
  if (literalSeen && key.literalPattern !== undefined && !literalSeen(key.literalPattern, view)) return undefined;
  const { text } = joined.get(view);
  if (text === "") return undefined;
  const found = regexFind(key.re, text);
  return found ? joined.locate(view, found[0], text.slice(found[0], found[1]), key, role) : undefined;
}

/**
 * SillyTavern's way: for every entry and every key, search the joined scan text. Cost grows with
 * entries × keys × text. Kept as the benchmark baseline and as the oracle the indexed matcher is tested against.
 */
export class NaiveMatcher implements LoreMatcher {
  private readonly joined: JoinedViews;
  private readonly lowered = new Map<string, string>();

  constructor(
    private readonly lore: CompiledLore,
    private readonly buffer: ScanBuffer,
  ) {
    this.joined = new JoinedViews(buffer);
  }

  candidates(): number[] {
    return this.lore.entries.map((e) => e.index);
  }

  addCandidates(): void {}

  match(key: CompiledKey, view: ScanView, role: LoreKeyMatch["role"]): LoreKeyMatch | undefined {
    if (key.kind === "regex") return matchRegex(key, view, this.joined, role);
    if (key.needle === "" || view.depth <= 0) return undefined;
    const { text, starts, segments } = this.joined.get(view);
    let hay = text;
    if (key.caseInsensitive) {
      hay = this.lowered.get(text) ?? text.toLowerCase();
      this.lowered.set(text, hay);
    }
    for (let at = hay.indexOf(key.needle); at >= 0; at = hay.indexOf(key.needle, at + 1)) {
      if (!key.wholeWord) return this.joined.locate(view, at, hay.slice(at, at + key.needle.length), key, role);
      let i = starts.length - 1;
      while (i > 0 && (starts[i] as number) > at) i--;
      const seg = segments[i] as Segment;
      const local = at - (starts[i] as number);
      if (local >= 0 && seg.words(key.caseInsensitive).isWholeWord(local, local + key.needle.length)) {
        return toMatch(key, role, seg, local, hay.slice(at, at + key.needle.length));
      }
    }
    return undefined;
  }

  addRecursion(text: string, loop: number): void {
    this.buffer.addRecursion(text, loop);
  }

  hasRecursion(): boolean {
    return this.buffer.recursion.length > 0;
  }
}

/** First hits of one needle: by slot, any occurrence and whole-word-valid occurrence. */
interface PatternHits {
  any: Array<LoreHit | undefined>;
  word: Array<LoreHit | undefined>;
}
interface LoreHit {
  segment: Segment;
  start: number;
  end: number;
}

// Slots: 0 messages (first hit = newest message), 1 injections, 2 recursion, 3.. the extra sources.
const SLOT = { message: 0, injection: 1, recursion: 2 } as const;
const GLOBAL_SLOT: Record<keyof LoreGlobalScanData, number> = {
  personaDescription: 3,
  characterDescription: 4,
  characterPersonality: 5,
  characterDepthPrompt: 6,
  scenario: 7,
  creatorNotes: 8,
};

/**
 * The fast way: every message (and injection, extra source, recursion chunk) is scanned once by two Aho–Corasick
 * automata holding every plain key of every entry, recording the first hit of each key per source. Only entries
 * whose primary key was hit (plus constants, regex entries and the like) become candidates; each key check is then
 * a lookup. Whole-word checks run at hit time, only for keys that need them.
 */
export class IndexedMatcher implements LoreMatcher {
  private readonly hits = new Map<number, PatternHits>();
  private readonly pool = new Set<number>();
  private readonly joined: JoinedViews;

  constructor(
    private readonly lore: CompiledLore,
    private readonly buffer: ScanBuffer,
  ) {
    this.joined = new JoinedViews(buffer);
    for (const i of lore.alwaysCandidates) this.pool.add(i);
    for (const seg of buffer.messages) this.scan(seg, SLOT.message);
    for (const seg of buffer.injections) this.scan(seg, SLOT.injection);
    for (const [key, seg] of buffer.globals) this.scan(seg, GLOBAL_SLOT[key]);
  }

  /** Whether a regex key's literal occurs anywhere the view can see. */
  private readonly literalSeen = (pattern: number, view: ScanView): boolean => {
    const hits = this.hits.get(pattern);
    if (!hits) return false;
    const msg = hits.any[SLOT.message];
    if (msg && (msg.segment.depth as number) < Math.min(view.depth, 1000)) return true;
    for (const source of view.sources) if (hits.any[GLOBAL_SLOT[source]]) return true;
    return hits.any[SLOT.injection] !== undefined || (view.withRecursion && hits.any[SLOT.recursion] !== undefined);
  };

  private scan(seg: Segment, slot: number): void {
    // RE2's case folding also maps the long s (ſ) to s, which toLowerCase does not: for such rare texts the literals
    // are looked for in the folded text as well.
    const folded = seg.lower.includes("ſ") ? foldForLiteral(seg.text) : undefined;
    const run = (lower: boolean, text: string, literalsOnly: boolean) => {
      const automaton = lower ? this.lore.insensitive : this.lore.sensitive;
      if (automaton.size === 0) return;
      const ids = lower ? this.lore.insensitiveIds : this.lore.sensitiveIds;
      automaton.scan(text, (local, start, end) => {
        const id = ids[local] as number;
        const pattern = this.lore.patterns[id] as PatternInfo;
        if (literalsOnly && !pattern.literal) return;
        let hits = this.hits.get(id);
        if (!hits) {
          hits = { any: [], word: [] };
          this.hits.set(id, hits);
          for (const e of pattern.primaryOf) this.pool.add(e);
        }
        if (!hits.any[slot]) hits.any[slot] = { segment: seg, start, end };
        if (pattern.wholeWord && !hits.word[slot] && seg.words(lower).isWholeWord(start, end)) {
          hits.word[slot] = { segment: seg, start, end };
        }
      });
    };
    run(true, seg.lower, false);
    run(false, seg.text, false);
    if (folded !== undefined) run(true, folded, true);
  }

  candidates(): number[] {
    return [...this.pool].sort((a, b) => a - b);
  }

  addCandidates(indices: Iterable<number>): void {
    for (const i of indices) this.pool.add(i);
  }

  match(key: CompiledKey, view: ScanView, role: LoreKeyMatch["role"]): LoreKeyMatch | undefined {
    if (key.kind === "regex") return matchRegex(key, view, this.joined, role, this.literalSeen);
    if (key.needle === "" || view.depth <= 0) return undefined;
    const hits = this.hits.get(key.pattern);
    if (!hits) return undefined;
    const slots = key.wholeWord ? hits.word : hits.any;
    const found = (hit: LoreHit | undefined) =>
      hit
        ? toMatch(
            key,
            role,
            hit.segment,
            hit.start,
            (key.caseInsensitive ? hit.segment.lower : hit.segment.text).slice(hit.start, hit.end),
          )
        : undefined;
    const msg = slots[SLOT.message];
    if (msg && (msg.segment.depth as number) < Math.min(view.depth, 1000)) return found(msg);
    for (const source of view.sources) {
      const hit = slots[GLOBAL_SLOT[source]];
      if (hit) return found(hit);
    }
    if (slots[SLOT.injection]) return found(slots[SLOT.injection]);
    if (view.withRecursion && slots[SLOT.recursion]) return found(slots[SLOT.recursion]);
    return undefined;
  }

  addRecursion(text: string, loop: number): void {
    this.scan(this.buffer.addRecursion(text, loop), SLOT.recursion);
  }

  hasRecursion(): boolean {
    return this.buffer.recursion.length > 0;
  }
}

/** The matcher the compiled lore asks for. */
export function createMatcher(lore: CompiledLore, buffer: ScanBuffer): LoreMatcher {
  return lore.matcher === "naive" ? new NaiveMatcher(lore, buffer) : new IndexedMatcher(lore, buffer);
}

/** Re-exported for the activation loop's type annotations. */
export type { CompiledEntry };
