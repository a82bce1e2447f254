import type { asyncBufferFromFile } from "hyparquet";
import type { RawRow, ReadRowsOptions } from "./jsonl-rows.ts";

/** Marks a string cell whose bytes were not valid UTF-8, so validation can name the field. */
export class InvalidUtf8Cell {
  readonly invalidUtf8 = true;
}

const strictDecoder = new TextDecoder("utf-8", { fatal: true });
const BATCH_ROWS = 512;

/**
 * Read a Parquet file row by row with hyparquet, in batches so a large dialogues file is never decoded whole.
 * Strings are decoded as strict UTF-8 (a bad cell becomes an `InvalidUtf8Cell` for the validator to report),
 * and 64-bit integers become numbers, so Parquet rows validate exactly like JSONL rows.
 */
export async function* readParquetRows(file: string, options: ReadRowsOptions = {}): AsyncGenerator<RawRow> {
  // Imported on first use: only Parquet sources need it, and every bench command would otherwise parse it.
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import("hyparquet");
  let buffer: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  let rowCount: number;
  try {
    buffer = await asyncBufferFromFile(file);
    const metadata = await parquetMetadataAsync(buffer);
    rowCount = Number(metadata.num_rows);
  } catch (error) {
    yield {
      row: 0,
      issue: {
        file,
        row: 0,
        code: "invalid_parquet",
        message: `is not a readable Parquet file: ${(error as Error).message}`,
      },
    };
    return;
  }
  for (let start = 0; start < rowCount; start += BATCH_ROWS) {
    const end = Math.min(rowCount, start + BATCH_ROWS);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({
        file: buffer,
        rowStart: start,
        rowEnd: end,
        parsers: { stringFromBytes: decodeStrict } as never,
      });
    } catch (error) {
      for (let i = start; i < end; i++) {
        yield {
          row: i + 1,
          issue: {
            file,
            row: i + 1,
            code: "invalid_parquet",
            message: `could not be decoded: ${(error as Error).message}`,
          },
        };
      }
      continue;
    }
    for (let i = 0; i < rows.length; i++) yield { row: start + i + 1, value: normalise(rows[i]) };
    options.onProgress?.(end, rowCount);
  }
}

function decodeStrict(bytes: Uint8Array | undefined): string | InvalidUtf8Cell | undefined {
  if (!bytes) return bytes;
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return new InvalidUtf8Cell();
  }
}

function normalise(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (value instanceof InvalidUtf8Cell) return value;
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalise(v);
    return out;
  }
  return value;
}
