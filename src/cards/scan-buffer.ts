import type { LoreGlobalScanData, LoreMatchSource } from "./lore-types.ts";
import { WordBoundaries } from "./word-boundary.ts";

/** One piece of scannable text: a message, an injected prompt, a recursion chunk or a character field. */
export class Segment {
  readonly lower: string;
  private boundaries: [WordBoundaries | undefined, WordBoundaries | undefined] = [undefined, undefined];

  constructor(
    readonly source: LoreMatchSource,
    readonly text: string,
    /** Message depth (0 = newest) or recursion loop. */
    readonly depth: number | undefined,
    private readonly locale: string,
  ) {
    this.lower = text.toLowerCase();
  }

  /** Word boundaries of the raw or lower-cased text (matches are checked in the text they were found in). */
  words(lowerCase: boolean): WordBoundaries {
    const i = lowerCase ? 1 : 0;
    let b = this.boundaries[i];
    if (!b) {
      b = new WordBoundaries(lowerCase ? this.lower : this.text, this.locale);
      this.boundaries[i] = b;
    }
    return b;
  }
}

/** SillyTavern's order of the extra matching sources after the messages. */
export const GLOBAL_SOURCES: ReadonlyArray<keyof LoreGlobalScanData> = [
  "personaDescription",
  "characterDescription",
  "characterPersonality",
  "characterDepthPrompt",
  "scenario",
  "creatorNotes",
];

/**
 * The text one activation pass scans, as SillyTavern's WorldInfoBuffer lays it out: the newest `depth` messages,
 * then the extra sources an entry opted into, then injected prompts, then (except while widening the depth for
 * minimum activations) the content of entries activated in earlier loops.
 */
export class ScanBuffer {
  readonly messages: Segment[];
  readonly injections: Segment[];
  readonly globals: Map<keyof LoreGlobalScanData, Segment>;
  readonly recursion: Segment[] = [];

  constructor(messagesNewestFirst: string[], injections: string[], globals: LoreGlobalScanData, locale: string) {
    this.messages = messagesNewestFirst.map((m, depth) => new Segment("message", m, depth, locale));
    this.injections = injections.filter((t) => t !== "").map((t) => new Segment("injection", t, undefined, locale));
    this.globals = new Map();
    for (const key of GLOBAL_SOURCES) {
      const text = globals[key];
      if (text) this.globals.set(key, new Segment(key, text, undefined, locale));
    }
    this.locale = locale;
  }

  private readonly locale: string;

  /** Add the content activated in a loop (scanned by later recursion loops). */
  addRecursion(text: string, loop: number): Segment {
    const segment = new Segment("recursion", text, loop, this.locale);
    this.recursion.push(segment);
    return segment;
  }

  /** The segments an entry sees, in buffer order; none at all when its depth is 0 (as in SillyTavern). */
  segmentsFor(depth: number, sources: ReadonlyArray<keyof LoreGlobalScanData>, withRecursion: boolean): Segment[] {
    if (depth <= 0) return [];
    const out = this.messages.slice(0, Math.min(depth, 1000));
    for (const key of GLOBAL_SOURCES) {
      const g = this.globals.get(key);
      if (g && sources.includes(key)) out.push(g);
    }
    out.push(...this.injections);
    if (withRecursion) out.push(...this.recursion);
    return out;
  }
}
