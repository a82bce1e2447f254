import type { Lorebook, LoreEntry } from "./card-schema.ts";
import { FieldScope, type NormalizeLog } from "./field-coerce.ts";
import { isRecord } from "./json-guard.ts";

/** SillyTavern's default insertion order, used when a book leaves the required field out. */
export const DEFAULT_INSERTION_ORDER = 100;

/** Normalise one V2/V3 lorebook entry (a copy; key order kept, defaults appended and recorded). */
export function normalizeEntryObject(raw: unknown, path: string, log: NormalizeLog): LoreEntry {
  const e: Record<string, unknown> = isRecord(raw) ? { ...raw } : {};
  if (!isRecord(raw)) log.warnings.push(`${path} should be an object; an empty entry was used`);
  const f = new FieldScope(e, path, log);
  f.object("extensions");
  f.stringArray("keys");
  f.string("content");
  f.required("enabled", "boolean", true);
  f.required("insertion_order", "number", DEFAULT_INSERTION_ORDER);
  f.required("use_regex", "boolean", false);
  for (const key of ["case_sensitive", "constant", "selective"]) f.optional(key, "boolean");
  for (const key of ["name", "comment", "position"]) f.optional(key, "string");
  f.optional("priority", "number");
  if (e["secondary_keys"] !== undefined && e["secondary_keys"] !== null) f.stringArray("secondary_keys");
  const id = e["id"];
  if (id !== undefined && typeof id !== "number" && typeof id !== "string") {
    delete e["id"];
    f.setAside("id", id, "a number or string");
  }
  return e as LoreEntry;
}

/** Normalise a V2 `character_book` or V3 lorebook object (a copy). */
export function normalizeBookObject(raw: Record<string, unknown>, path: string, log: NormalizeLog): Lorebook {
  const b: Record<string, unknown> = { ...raw };
  const f = new FieldScope(b, path, log);
  f.object("extensions");
  for (const key of ["name", "description"]) f.optional(key, "string");
  for (const key of ["scan_depth", "token_budget"]) f.optional(key, "number");
  f.optional("recursive_scanning", "boolean");
  const entries = b["entries"];
  if (entries === undefined) {
    b["entries"] = [];
    log.added.push(f.at("entries"));
  } else if (!Array.isArray(entries)) {
    // SillyTavern World Info keeps entries in an object; a V2/V3 book must not, but the data is not thrown away.
    const list = isRecord(entries) ? Object.values(entries) : [];
    b["entries"] = list;
    if (isRecord(entries))
      log.warnings.push(`${f.at("entries")} should be an array; ${list.length} entries were taken from an object`);
    else f.setAside("entries", entries, "an array of entries");
  }
  b["entries"] = (b["entries"] as unknown[]).map((e, i) => normalizeEntryObject(e, `${f.at("entries")}.${i}`, log));
  return b as Lorebook;
}
