import { gzipSync } from "node:zlib";
import { UsageError } from "../core/index.ts";

/** Options of `compressionRatio`. */
export interface CompressionOptions {
  /** gzip level 1–9 (default 9, as Python's gzip.compress used by Shaib et al. 2024). */
  level?: number;
}

/**
 * gzip compression ratio: UTF-8 bytes ÷ gzip bytes (Shaib et al. 2024, "Standardizing the Measurement of Text
 * Diversity"). Repetitive text compresses well, so a higher ratio means less diverse text. Compute it over a whole
 * transcript or chunk: gzip's fixed ~20-byte overhead dominates single short turns. Ratios are comparable only
 * within one language (a Chinese character is 3 UTF-8 bytes). An array is joined with newlines. NaN for "".
 */
export function compressionRatio(text: string | readonly string[], options: CompressionOptions = {}): number {
  const level = options.level ?? 9;
  if (!Number.isInteger(level) || level < 1 || level > 9) {
    throw new UsageError("text.invalid_level", `gzip level must be an integer from 1 to 9, got ${level}.`);
  }
  const raw = Buffer.from(typeof text === "string" ? text : text.join("\n"), "utf8");
  if (raw.length === 0) return Number.NaN;
  return raw.length / gzipSync(raw, { level }).length;
}
