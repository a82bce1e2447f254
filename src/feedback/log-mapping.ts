import * as z from "zod";
import { stableHash } from "../core/index.ts";
import { FEEDBACK_EVENT_TYPES } from "./event-schema.ts";
import type { LineIssue, ParsedLog } from "./parsed-log.ts";

/**
 * How rows of another app's event log become troupe events. Every key is optional: the default mapping reads rows
 * that are already troupe events. Paths are dot paths into the row ("ctx.chat.id"). Documented in docs/learn.md.
 */
export const LogMappingSchema = z.object({
  /** troupe field → path in the row (e.g. { "event_id": "id", "created_at_client": "timestamp" }). */
  fields: z.record(z.string(), z.string()).default({}),
  /** The row's event name → troupe type (e.g. { "thumbs_up": "rate" }); names already troupe types pass. */
  types: z.record(z.string(), z.enum(FEEDBACK_EVENT_TYPES)).default({}),
  /** Unit of the time column. */
  time: z.enum(["ms", "s", "iso"]).default("ms"),
  /** Path of the payload object in the row (default "payload"). */
  payload: z.string().default("payload"),
  /** payload key → path in the row, for logs that keep payload values at the top level. */
  payload_fields: z.record(z.string(), z.string()).default({}),
  /** Per-type payload constants merged under the mapped payload (e.g. { "rate": { "scale": "thumbs" } }). */
  payload_defaults: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  /** Fields set on every event (e.g. { "source": "import:myapp", "confidence": 0.8 }). */
  defaults: z.record(z.string(), z.unknown()).default({}),
});

export type LogMapping = z.infer<typeof LogMappingSchema>;

function at(row: unknown, path: string): unknown {
  let value: unknown = row;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function toMs(value: unknown, unit: LogMapping["time"]): unknown {
  if (typeof value === "bigint") return Number(value) * (unit === "s" ? 1000 : 1);
  if (value instanceof Date) return value.getTime();
  if (unit === "iso" || (typeof value === "string" && !/^\d+(\.\d+)?$/.test(value))) {
    if (typeof value !== "string") return value;
    const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(value) || !value.includes("T") ? value : `${value}Z`);
    return Number.isFinite(ms) ? ms : value;
  }
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number") return value;
  return Math.round(unit === "s" ? n * 1000 : n);
}

/**
 * Map one row to a raw troupe event (validated later by ingest). Rows without an event id get a deterministic one
 * from their content, so the same file ingested twice stores each row once.
 */
export function mapLogRow(row: Record<string, unknown>, mapping: LogMapping): Record<string, unknown> {
  const event: Record<string, unknown> = { ...mapping.defaults };
  const mapped = new Set(Object.keys(mapping.fields));
  // Unmapped troupe fields are read under their own names, so partial mappings stay short.
  for (const [key, value] of Object.entries(row)) if (!mapped.has(key) && value !== undefined) event[key] = value;
  for (const [field, path] of Object.entries(mapping.fields)) {
    const value = at(row, path);
    if (value !== undefined && value !== null) event[field] = value;
  }
  const type = typeof event.type === "string" ? (mapping.types[event.type] ?? event.type) : event.type;
  event.type = type;
  for (const key of ["created_at_client", "sent_at_client"])
    if (event[key] !== undefined) event[key] = toMs(event[key], mapping.time);
  const payloadValue = at(row, mapping.payload);
  const payload: Record<string, unknown> = {
    ...(typeof type === "string" ? mapping.payload_defaults[type] : undefined),
    ...(payloadValue && typeof payloadValue === "object" ? (payloadValue as Record<string, unknown>) : {}),
  };
  for (const [key, path] of Object.entries(mapping.payload_fields)) {
    const value = at(row, path);
    if (value !== undefined && value !== null) payload[key] = typeof value === "bigint" ? Number(value) : value;
  }
  event.payload = payload;
  if (event.event_id === undefined || event.event_id === null) event.event_id = `log-${stableHash(row).slice(0, 40)}`;
  return event;
}

/** Map every row of a JSONL log; lines that are not JSON objects are reported and skipped. */
export function parseJsonlLog(content: string, mapping: LogMapping): ParsedLog {
  const out: ParsedLog = { events: [], eventLines: [], texts: [], issues: [], notes: [] };
  content.split(/\r?\n/).forEach((text, i) => {
    if (!text.trim()) return;
    const issue = (message: string): LineIssue => ({ line: i + 1, message });
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      out.issues.push(issue(`not JSON: ${(error as Error).message}`));
      return;
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      out.issues.push(issue("not a JSON object"));
      return;
    }
    out.events.push(mapLogRow(value as Record<string, unknown>, mapping));
    out.eventLines.push(i + 1);
  });
  return out;
}

/** Map rows already read (Parquet), numbering them from 1. */
export function mapRows(rows: readonly Record<string, unknown>[], mapping: LogMapping, firstRow = 1): ParsedLog {
  return {
    events: rows.map((r) => mapLogRow(r, mapping)),
    eventLines: rows.map((_, i) => firstRow + i),
    texts: [],
    issues: [],
    notes: [],
  };
}
