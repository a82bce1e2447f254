import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted at every level, so equal values always serialise to equal strings.
 * Used for content-addressed keys (response cache, prompt versions), where key order must not matter.
 * `undefined` fields are dropped exactly as JSON.stringify drops them.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v as Record<string, unknown>).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

/** Hex SHA-256 of a string or bytes. */
export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Hex SHA-256 of a value's canonical JSON: equal values give equal hashes regardless of key order. */
export function stableHash(value: unknown): string {
  return sha256(canonicalJson(value));
}
