import { readFile } from "node:fs/promises";
import { UsageError } from "../core/index.ts";
import type { Store } from "../store/index.ts";
import { DEFAULT_CLOCK_POLICY } from "./clock-skew.ts";
import { ingestEvents } from "./event-store.ts";
import { type LogMapping, LogMappingSchema, mapRows, parseJsonlLog } from "./log-mapping.ts";
import type { LineIssue, ParsedLog } from "./parsed-log.ts";
import { parseSillyTavernChat } from "./sillytavern-import.ts";
import { putTexts } from "./text-store.ts";

export type LogFormat = "sillytavern" | "jsonl" | "parquet";

/** What ingesting one file did. */
export interface FileIngestReport {
  file: string;
  format: LogFormat;
  events: number;
  accepted: number;
  duplicates: number;
  texts: number;
  /** Lines that could not be read or whose event the schema rejected, with the reason. */
  issues: LineIssue[];
  notes: string[];
}

/** Options for ingesting a file. */
export interface FileIngestOptions {
  /** Server clock at ingest (received_at). */
  now: number;
  format?: LogFormat;
  mapping?: Partial<LogMapping>;
}

/** Guess the format: .parquet by extension; JSONL whose lines carry `mes` (or an ST header) is SillyTavern. */
export function detectFormat(file: string, head: string): LogFormat {
  if (/\.parquet$/i.test(file)) return "parquet";
  for (const line of head.split(/\r?\n/).slice(0, 5)) {
    if (!line.trim()) continue;
    try {
      const o = JSON.parse(line) as Record<string, unknown>;
      if (typeof o.mes === "string" || ("user_name" in o && "character_name" in o) || "chat_metadata" in o)
        return "sillytavern";
      return "jsonl";
    } catch {}
  }
  return "jsonl";
}

async function readParquet(file: string, mapping: LogMapping): Promise<ParsedLog> {
  // Imported on first use: only Parquet sources need it.
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import("hyparquet");
  let buffer: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  let rows: number;
  try {
    buffer = await asyncBufferFromFile(file);
    rows = Number((await parquetMetadataAsync(buffer)).num_rows);
  } catch (error) {
    throw new UsageError("learn.bad_parquet", `${file} is not a readable Parquet file: ${(error as Error).message}`);
  }
  const out: ParsedLog = { events: [], eventLines: [], texts: [], issues: [], notes: [] };
  for (let start = 0; start < rows; start += 2048) {
    const batch = await parquetReadObjects({ file: buffer, rowStart: start, rowEnd: Math.min(rows, start + 2048) });
    const part = mapRows(batch as Record<string, unknown>[], mapping, start + 1);
    out.events.push(...part.events);
    out.eventLines.push(...part.eventLines);
  }
  return out;
}

/**
 * Ingest one log file. Unreadable lines and events the schema rejects are reported by line while the rest are
 * stored; event ids are deterministic, so ingesting the same file again stores nothing new.
 */
export async function ingestFile(
  store: Store,
  ownerId: string,
  file: string,
  options: FileIngestOptions,
): Promise<FileIngestReport> {
  let content: string | undefined;
  if (!/\.parquet$/i.test(file) || (options.format && options.format !== "parquet")) {
    try {
      content = await readFile(file, "utf8");
    } catch (error) {
      throw new UsageError("learn.unreadable_file", `Cannot read ${file}: ${(error as Error).message}`, {
        hint: "Check the path and that the file is readable.",
      });
    }
  }
  const format = options.format ?? detectFormat(file, content?.slice(0, 64_000) ?? "");
  const mapping = LogMappingSchema.parse(options.mapping ?? {});
  const parsed =
    format === "sillytavern"
      ? parseSillyTavernChat(content ?? "")
      : format === "parquet"
        ? await readParquet(file, mapping)
        : parseJsonlLog(content ?? "", mapping);
  const issues = [...parsed.issues];
  let accepted = 0;
  let duplicates = 0;
  for (let i = 0; i < parsed.events.length; i += 5000) {
    const result = await ingestEvents(store, ownerId, parsed.events.slice(i, i + 5000), {
      now: options.now,
      trustUser: true,
      source: format === "sillytavern" ? "import:sillytavern" : `import:${format}`,
      // Historical logs are old by nature; their age is not a clock fault.
      clock: { ...DEFAULT_CLOCK_POLICY, maxAgeMs: Number.POSITIVE_INFINITY },
    });
    accepted += result.accepted;
    duplicates += result.duplicates;
    for (const r of result.rejected)
      issues.push({ line: parsed.eventLines[i + r.index] ?? 0, message: `rejected: ${r.message}` });
  }
  const texts = parsed.texts.length ? await putTexts(store, ownerId, parsed.texts) : 0;
  issues.sort((a, b) => a.line - b.line);
  return { file, format, events: parsed.events.length, accepted, duplicates, texts, issues, notes: parsed.notes };
}
