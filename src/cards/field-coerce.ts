import { isRecord } from "./json-guard.ts";

/**
 * Bookkeeping while normalising a card or book: every default added is recorded by path (so writers can leave it
 * out of formats that do not define it) and every coercion of a wrongly typed value becomes a warning. Real cards
 * are often slightly off-spec (`tags: "a, b"`, numbers as strings); they are repaired, never rejected, and the user
 * is told what changed.
 */
export interface NormalizeLog {
  warnings: string[];
  added: string[];
}

/** Set `obj[key]` to a string: absent → default (recorded), other primitives → String(v) with a warning. */
export function ensureString(obj: Record<string, unknown>, key: string, path: string, log: NormalizeLog): void {
  const v = obj[key];
  if (typeof v === "string") return;
  if (v === undefined) {
    obj[key] = "";
    log.added.push(path);
    return;
  }
  obj[key] = v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
  log.warnings.push(`${path} should be a string; ${describe(v)} was converted`);
}

/** Set `obj[key]` to a string array: absent → [] (recorded), a comma-separated string is split, items stringified. */
export function ensureStringArray(obj: Record<string, unknown>, key: string, path: string, log: NormalizeLog): void {
  const v = obj[key];
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return;
  if (v === undefined) {
    obj[key] = [];
    log.added.push(path);
    return;
  }
  if (Array.isArray(v)) {
    obj[key] = v.filter((x) => x !== null && x !== undefined).map((x) => (typeof x === "string" ? x : String(x)));
  } else if (typeof v === "string") {
    obj[key] = v
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  } else obj[key] = [];
  log.warnings.push(`${path} should be an array of strings; ${describe(v)} was converted`);
}

/** Set `obj[key]` to an object: absent → {} (recorded); anything else is replaced by {} with a warning. */
export function ensureObject(obj: Record<string, unknown>, key: string, path: string, log: NormalizeLog): void {
  const v = obj[key];
  if (isRecord(v)) return;
  obj[key] = {};
  if (v === undefined) log.added.push(path);
  else log.warnings.push(`${path} should be an object; ${describe(v)} was replaced by {}`);
}

/** Make an optional field the given type if present: numeric strings become numbers, "true"/"false" booleans. */
export function coerceOptional(
  obj: Record<string, unknown>,
  key: string,
  type: "string" | "number" | "boolean",
  path: string,
  log: NormalizeLog,
): void {
  const v = obj[key];
  if (v === undefined || v === null || typeof v === type) return;
  if (type === "number" && typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) obj[key] = Number(v);
  else if (type === "boolean" && (v === "true" || v === "false")) obj[key] = v === "true";
  else if (type === "boolean" && (v === 0 || v === 1)) obj[key] = v === 1;
  else if (type === "string" && (typeof v === "number" || typeof v === "boolean")) obj[key] = String(v);
  else {
    // Not recoverable as that type: keep the caller's data (never destroy it) but say it will be ignored.
    log.warnings.push(`${path} should be a ${type}; ${describe(v)} is kept but ignored`);
    return;
  }
  log.warnings.push(`${path} should be a ${type}; ${describe(v)} was converted`);
}

/** Required field with a default: absent → default (recorded); wrong type → coerced like coerceOptional or default. */
export function ensureScalar(
  obj: Record<string, unknown>,
  key: string,
  type: "number" | "boolean",
  fallback: number | boolean,
  path: string,
  log: NormalizeLog,
): void {
  const v = obj[key];
  if (typeof v === type) return;
  if (v === undefined) {
    obj[key] = fallback;
    log.added.push(path);
    return;
  }
  coerceOptional(obj, key, type, path, log);
  if (typeof obj[key] !== type) {
    obj[key] = fallback;
    log.warnings.push(`${path} was replaced by the default ${String(fallback)}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `a ${typeof v}`;
}
