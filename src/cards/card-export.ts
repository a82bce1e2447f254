import { V1_FIELDS, V3_ONLY_FIELDS } from "./card-normalize.ts";
import type { CardSpec, CharacterCardV3, Lorebook } from "./card-schema.ts";
import { stripDecorators } from "./decorators.ts";
import { isRecord } from "./json-guard.ts";

/** Options for turning a normalised card back into a spec's JSON. */
export interface CardJsonOptions {
  /** Target spec (default v3). */
  spec?: CardSpec;
  /** spec_version to write (default "2.0" for v2, the card's own for v3). */
  specVersion?: string;
  /** Paths of fields the reader added as defaults; left out when the target spec does not define them. */
  addedDefaults?: readonly string[];
  /** Remove V3 decorators from lorebook entry contents (a V2 backfill must). Default false. */
  stripDecorators?: boolean;
  /**
   * For V2/V1: also leave out V3-only fields whose value is what V3 assumes when they are absent, whether or not the
   * reader added them. A V3 card written as V2 then carries only what it really says, so V3 → V2 → V3 → V2 (and a
   * PNG converted again) writes the same V2. Default false: a V2 card written as V2 keeps every key it had.
   */
  omitV3Defaults?: boolean;
}

const isEmptyDefault = (v: unknown) =>
  v === "" || v === false || (Array.isArray(v) && v.length === 0) || (isRecord(v) && Object.keys(v).length === 0);

/** The one asset V3 assumes when `assets` is absent: the card's own image as its main icon. */
function isDefaultIcon(a: unknown): boolean {
  if (!isRecord(a) || Object.keys(a).some((k) => !["type", "uri", "name", "ext"].includes(k))) return false;
  return a["type"] === "icon" && a["uri"] === "ccdefault:" && a["name"] === "main" && (a["ext"] ?? "png") === "png";
}

/** Whether a V3-only field's value says nothing beyond the field's absence. */
export const isV3Default = (key: string, v: unknown) =>
  isEmptyDefault(v) || (key === "assets" && Array.isArray(v) && v.length === 1 && isDefaultIcon(v[0]));

/** The book as V2 `character_book` or V3 lorebook JSON; `prefix` is its path for `added` lookups. */
export function bookToSpecJson(
  book: Lorebook,
  spec: "v2" | "v3",
  added: ReadonlySet<string>,
  prefix: string,
  strip: boolean,
  /** Leave out `use_regex: false` in a V2 book even where it was really there (see CardJsonOptions). */
  omitV3Defaults = false,
): Record<string, unknown> {
  const at = (key: string) => (prefix === "" ? key : `${prefix}.${key}`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(book)) out[k] = v;
  out["entries"] = book.entries.map((entry, i) => {
    const e: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entry)) {
      // use_regex is V3-only: a V2 book keeps it only when it was really there (or is now true).
      const addedHere = added.has(at(`entries.${i}.use_regex`));
      if (spec === "v2" && k === "use_regex" && v === false && (addedHere || omitV3Defaults)) continue;
      e[k] = k === "content" && strip && typeof v === "string" ? stripDecorators(v) : v;
    }
    return e;
  });
  if (!("extensions" in book)) out["extensions"] = {};
  return out;
}

/**
 * The card as a V1, V2 or V3 JSON object (a deep copy). V3 writes everything. V2 writes everything too — V3-only
 * fields stay in `data`, as SillyTavern does, so nothing is lost — except V3 fields the reader only added as
 * defaults. V1 writes the six V1 fields first, then any other non-default field flat, then the unknown top-level
 * keys; it is the one lossy target only in that V1 readers ignore the extra keys.
 */
export function cardToJson(card: CharacterCardV3, options: CardJsonOptions = {}): Record<string, unknown> {
  const spec = options.spec ?? "v3";
  const added = new Set(options.addedDefaults ?? []);
  const strip = options.stripDecorators ?? false;
  const omit = spec !== "v3" && (options.omitV3Defaults ?? false);
  const isV3Only = (k: string) => (V3_ONLY_FIELDS as readonly string[]).includes(k);
  const data = card.data as Record<string, unknown>;
  const exportData = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(data)) {
      if (k === "character_book" && isRecord(v)) {
        const bookSpec = spec === "v3" ? "v3" : "v2";
        out[k] = bookToSpecJson(v as Lorebook, bookSpec, added, "data.character_book", strip, omit);
      } else if (
        spec !== "v3" &&
        isV3Only(k) &&
        ((added.has(`data.${k}`) && isEmptyDefault(v)) || (omit && isV3Default(k, v)))
      ) {
        // A V3 default (added by the reader, or saying nothing in a V3 card): not part of V2/V1, so not written.
      } else out[k] = v;
    }
    return out;
  };
  let out: Record<string, unknown>;
  if (spec === "v1") {
    out = {};
    const d = exportData();
    for (const f of V1_FIELDS) out[f] = d[f];
    for (const [k, v] of Object.entries(d)) {
      if ((V1_FIELDS as readonly string[]).includes(k)) continue;
      if (added.has(`data.${k}`) && isEmptyDefault(v)) continue;
      out[k] = v;
    }
    for (const [k, v] of Object.entries(card)) {
      if (k !== "spec" && k !== "spec_version" && k !== "data" && !(k in out)) out[k] = v;
    }
  } else {
    out = {};
    for (const [k, v] of Object.entries(card)) {
      if (k === "spec") out[k] = spec === "v3" ? "chara_card_v3" : "chara_card_v2";
      else if (k === "spec_version") out[k] = options.specVersion ?? (spec === "v3" ? card.spec_version : "2.0");
      else if (k === "data") out[k] = exportData();
      else out[k] = v;
    }
  }
  return structuredClone(out);
}
