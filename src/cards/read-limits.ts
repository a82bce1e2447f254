/**
 * Hard limits applied while reading untrusted cards and lorebooks. Every limit is checked before the memory it
 * guards is allocated (a PNG chunk's declared length, a zip member's declared size), so a hostile file is refused
 * instead of exhausting memory.
 */
export interface ReadLimits {
  /** Largest input file (bytes). */
  maxFileBytes: number;
  /** Largest single PNG chunk (bytes), checked from the chunk header before the chunk is read. */
  maxPngChunkBytes: number;
  /** Largest JSON text (bytes) for a card or lorebook. */
  maxJsonBytes: number;
  /** Deepest nesting of arrays/objects accepted in JSON. */
  maxJsonDepth: number;
  /** Most members in a CharX zip. */
  maxZipEntries: number;
  /** Largest uncompressed member of a CharX zip (bytes). */
  maxZipEntryBytes: number;
  /** Largest total uncompressed size of a CharX zip (bytes). */
  maxZipTotalBytes: number;
  /** Largest uncompressed/compressed ratio of a member over 1 MiB (a zip bomb compresses ~1000:1). */
  maxZipRatio: number;
}

const MiB = 1024 * 1024;

/** Generous for real cards (the largest public cards are a few MiB), small enough to refuse hostile ones. */
export const DEFAULT_READ_LIMITS: Readonly<ReadLimits> = Object.freeze({
  maxFileBytes: 256 * MiB,
  maxPngChunkBytes: 64 * MiB,
  maxJsonBytes: 48 * MiB,
  maxJsonDepth: 256,
  maxZipEntries: 2048,
  maxZipEntryBytes: 128 * MiB,
  maxZipTotalBytes: 256 * MiB,
  maxZipRatio: 200,
});

/** Fill in defaults for any limit not given. */
export function resolveLimits(limits: Partial<ReadLimits> | undefined): ReadLimits {
  return { ...DEFAULT_READ_LIMITS, ...limits };
}
