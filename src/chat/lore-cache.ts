import { type CompiledLore, compileLore, type Lorebook } from "../cards/index.ts";

/** A character's lorebook compiled for activation, with the history window its entries can look at. */
export interface CachedLore {
  lore: CompiledLore;
  /** The most recent messages any entry scans (its own scan depth, else the book's, else SillyTavern's 2). */
  window: number;
}

const DEFAULT_SCAN_DEPTH = 2;

/**
 * Compiled lorebooks by character version: compiling a 10,000-entry book costs far more than scanning it, and a
 * character's book changes only when the character does (its version is bumped). Least recently used dropped.
 */
export class LoreCache {
  private readonly entries = new Map<string, CachedLore>();

  constructor(private readonly limit = 128) {}

  /** The compiled book of one character version for one user name (names are substituted into keys). */
  get(key: { characterId: string; version: number; user: string; char: string }, book: Lorebook): CachedLore {
    const id = `${key.characterId}\u0000${key.version}\u0000${key.user}\u0000${key.char}`;
    const hit = this.entries.get(id);
    if (hit) {
      this.entries.delete(id);
      this.entries.set(id, hit);
      return hit;
    }
    const lore = compileLore([{ book, name: book.name || key.char, scope: "character" }], {
      macros: { char: key.char, user: key.user },
    });
    let window = 0;
    for (const e of lore.entries)
      window = Math.max(window, e.settings.scanDepth ?? e.settings.bookScanDepth ?? DEFAULT_SCAN_DEPTH);
    const cached = { lore, window };
    this.entries.set(id, cached);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as string);
    return cached;
  }
}

/** The cache shared by callers that do not bring their own (the chat service and the /v1 gateway). */
export const sharedLoreCache = new LoreCache();
