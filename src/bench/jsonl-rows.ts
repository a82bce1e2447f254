import { createReadStream, statSync } from "node:fs";
import type { RowIssue } from "./row-issue.ts";

/** A raw row of a data file: its parsed value, or the reason it could not be read. */
export type RawRow =
  | { row: number; value: unknown; issue?: undefined }
  | { row: number; value?: undefined; issue: RowIssue };

export interface ReadRowsOptions {
  /** Lines longer than this are reported and skipped without being held in memory. Default 16 MiB. */
  maxLineBytes?: number;
  /** Called as bytes are read, for a progress bar on large files. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Stream a JSON Lines file row by row. Each line is decoded as strict UTF-8 and parsed on its own, so one bad
 * line (invalid UTF-8, broken JSON, an oversized line) becomes an issue naming its line and the rest still load.
 * Blank lines are skipped; a UTF-8 byte-order mark at the start is ignored.
 */
export async function* readJsonlRows(file: string, options: ReadRowsOptions = {}): AsyncGenerator<RawRow> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const total = statSync(file).size;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let parts: Buffer[] = [];
  let partBytes = 0;
  let oversize = 0;
  let line = 0;
  let read = 0;
  let first = true;

  const finish = (): RawRow | undefined => {
    line++;
    if (oversize > 0) {
      const size = oversize;
      oversize = 0;
      return {
        row: line,
        issue: {
          file,
          row: line,
          code: "line_too_long",
          message: `line is ${formatBytes(size)}, over the ${formatBytes(maxLineBytes)} limit; skipped`,
        },
      };
    }
    let bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, partBytes);
    parts = [];
    partBytes = 0;
    if (first && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    first = false;
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      return { row: line, issue: { file, row: line, code: "invalid_utf8", message: "is not valid UTF-8" } };
    }
    if (text.trim().length === 0) return undefined;
    try {
      return { row: line, value: JSON.parse(text) };
    } catch (error) {
      return {
        row: line,
        issue: { file, row: line, code: "invalid_json", message: `is not valid JSON: ${(error as Error).message}` },
      };
    }
  };

  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    read += chunk.length;
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      append(chunk.subarray(start, nl));
      const row = finish();
      if (row) yield row;
      start = nl + 1;
    }
    append(chunk.subarray(start));
    options.onProgress?.(read, total);
  }
  if (partBytes > 0 || oversize > 0) {
    const row = finish();
    if (row) yield row;
  }

  function append(piece: Buffer): void {
    if (piece.length === 0) return;
    if (oversize > 0 || partBytes + piece.length > maxLineBytes) {
      // Count the rest of the line without keeping it, so a 50 MB line cannot exhaust memory.
      oversize = (oversize || partBytes) + piece.length;
      parts = [];
      partBytes = 0;
      return;
    }
    parts.push(piece);
    partBytes += piece.length;
  }
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
