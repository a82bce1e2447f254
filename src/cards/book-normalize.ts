import type { Lorebook, LoreEntry } from "./card-schema.ts";
import {
  coerceOptional,
  ensureObject,
  ensureScalar,
  ensureString,
  ensureStringArray,
  type NormalizeLog,
} from "./field-coerce.ts";
import { isRecord } from "./json-guard.ts";

/** SillyTavern's default insertion order, used when a book leaves the required field out. */
export const DEFAULT_INSERTION_ORDER = 100;

/** Normalise one V2/V3 lorebook entry (a copy; key order kept, defaults appended and recorded). */
export function normalizeEntryObject(raw: unknown, path: string, log: NormalizeLog): LoreEntry {
  const e: Record<string, unknown> = isRecord(raw) ? { ...raw } : {};
  if (!isRecord(raw)) log.warnings.push(`${path} should be an object; an empty entry was used`);
  ensureStringArray(e, "keys", `${path}.keys`, log);
  ensureString(e, "content", `${path}.content`, log);
  ensureObject(e, "extensions", `${path}.extensions`, log);
  ensureScalar(e, "enabled", "boolean", true, `${path}.enabled`, log);
  ensureScalar(e, "insertion_order", "number", DEFAULT_INSERTION_ORDER, `${path}.insertion_order`, log);
  ensureScalar(e, "use_regex", "boolean", false, `${path}.use_regex`, log);
  for (const key of ["case_sensitive", "constant", "selective"])
    coerceOptional(e, key, "boolean", `${path}.${key}`, log);
  for (const key of ["name", "comment", "position"]) coerceOptional(e, key, "string", `${path}.${key}`, log);
  coerceOptional(e, "priority", "number", `${path}.priority`, log);
  if (e["secondary_keys"] !== undefined && e["secondary_keys"] !== null) {
    ensureStringArray(e, "secondary_keys", `${path}.secondary_keys`, log);
  }
  const id = e["id"];
  if (id !== undefined && typeof id !== "number" && typeof id !== "string") {
    log.warnings.push(`${path}.id should be a number or string; ${JSON.stringify(id)} is kept but ignored`);
  }
  return e as LoreEntry;
}

/** Normalise a V2 `character_book` or V3 lorebook object (a copy). */
export function normalizeBookObject(raw: Record<string, unknown>, path: string, log: NormalizeLog): Lorebook {
  const b: Record<string, unknown> = { ...raw };
  const at = (key: string) => (path === "" ? key : `${path}.${key}`);
  for (const key of ["name", "description"]) coerceOptional(b, key, "string", at(key), log);
  for (const key of ["scan_depth", "token_budget"]) coerceOptional(b, key, "number", at(key), log);
  coerceOptional(b, "recursive_scanning", "boolean", at("recursive_scanning"), log);
  ensureObject(b, "extensions", at("extensions"), log);
  const entries = b["entries"];
  if (entries === undefined) {
    b["entries"] = [];
    log.added.push(at("entries"));
  } else if (!Array.isArray(entries)) {
    // SillyTavern World Info keeps entries in an object; a V2/V3 book must not, but the data is not thrown away.
    const list = isRecord(entries) ? Object.values(entries) : [];
    b["entries"] = list;
    log.warnings.push(`${at("entries")} should be an array; ${list.length} entries were taken from an object`);
  }
  b["entries"] = (b["entries"] as unknown[]).map((e, i) => normalizeEntryObject(e, `${at("entries")}.${i}`, log));
  return b as Lorebook;
}
