import { DEFAULT_INSERTION_ORDER } from "./book-normalize.ts";
import type { Lorebook, LoreEntry } from "./card-schema.ts";
import { isRecord } from "./json-guard.ts";

/**
 * SillyTavern World Info entry fields and the `extensions` names SillyTavern itself uses for them when it embeds a
 * book in a card (`convertWorldInfoToCharacterBook`), so books move between the two without renaming anything.
 * The last two have no SillyTavern export name; they get snake_case names in the same style.
 */
export const ST_EXTENSION_FIELDS: ReadonlyArray<readonly [stName: string, extName: string]> = [
  ["excludeRecursion", "exclude_recursion"],
  ["preventRecursion", "prevent_recursion"],
  ["delayUntilRecursion", "delay_until_recursion"],
  ["displayIndex", "display_index"],
  ["probability", "probability"],
  ["useProbability", "useProbability"],
  ["depth", "depth"],
  ["selectiveLogic", "selectiveLogic"],
  ["outletName", "outlet_name"],
  ["group", "group"],
  ["groupOverride", "group_override"],
  ["groupWeight", "group_weight"],
  ["scanDepth", "scan_depth"],
  ["caseSensitive", "case_sensitive"],
  ["matchWholeWords", "match_whole_words"],
  ["useGroupScoring", "use_group_scoring"],
  ["automationId", "automation_id"],
  ["role", "role"],
  ["vectorized", "vectorized"],
  ["sticky", "sticky"],
  ["cooldown", "cooldown"],
  ["delay", "delay"],
  ["matchPersonaDescription", "match_persona_description"],
  ["matchCharacterDescription", "match_character_description"],
  ["matchCharacterPersonality", "match_character_personality"],
  ["matchCharacterDepthPrompt", "match_character_depth_prompt"],
  ["matchScenario", "match_scenario"],
  ["matchCreatorNotes", "match_creator_notes"],
  ["triggers", "triggers"],
  ["ignoreBudget", "ignore_budget"],
  ["agentBlacklisted", "agent_blacklisted"],
  ["characterFilter", "character_filter"],
  ["addMemo", "add_memo"],
];

/** Where SillyTavern-only data with no V3 home is kept in a V3 entry's or book's `extensions`. */
export const ST_EXTRA = "sillytavern_extra";
/** Where V3-only data with no SillyTavern home is kept in a World Info entry or file. */
export const V3_EXTRA = "v3_extra";
/**
 * World Info keeps entries in an object keyed by uid, and JavaScript orders integer keys numerically; when a V3
 * book's array order differs from that, the order is recorded here so it comes back.
 */
export const V3_ENTRY_ORDER = "v3_entry_order";

const ST_TO_EXT = new Map(ST_EXTENSION_FIELDS);
const EXT_TO_ST = new Map(ST_EXTENSION_FIELDS.map(([a, b]) => [b, a] as const));
/** The fields SillyTavern writes in every World Info entry; a file that lacks one gets it back only if it changed. */
const ST_CORE_FIELDS = [
  "key",
  "keysecondary",
  "comment",
  "content",
  "constant",
  "selective",
  "order",
  "position",
  "disable",
];

/** Where a V3 entry remembers which of those fields its World Info source did not have. */
export const ST_ABSENT = "sillytavern_absent";

/** Core World Info fields with a direct V3 counterpart. */
const ST_CORE = new Set(["uid", "key", "keysecondary", "comment", "content", "constant", "selective", "order"]);
const ST_CORE_EXTRA = new Set(["disable", "position", "extensions", V3_EXTRA]);
/** V3 entry fields SillyTavern lacks; written under the same names (SillyTavern ignores them). */
const V3_PASSTHROUGH = ["name", "priority", "use_regex", "case_sensitive"] as const;
const V3_ENTRY_KNOWN = new Set([
  "keys",
  "secondary_keys",
  "comment",
  "content",
  "constant",
  "selective",
  "insertion_order",
  "enabled",
  "position",
  "extensions",
  "id",
  ...V3_PASSTHROUGH,
]);
const BOOK_FIELDS = ["name", "description", "scan_depth", "token_budget", "recursive_scanning"] as const;

/** A SillyTavern World Info entry as a V3 entry; every field lands somewhere, so the way back is exact. */
export function stEntryToV3(e: Record<string, unknown>, fallbackId: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const ext: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  const uid = e["uid"];
  out["id"] =
    typeof uid === "number" || typeof uid === "string"
      ? uid
      : /^\d+$/.test(fallbackId)
        ? Number(fallbackId)
        : fallbackId;
  if (uid !== undefined && out["id"] !== uid) extra["uid"] = uid;
  out["keys"] = e["key"];
  if ("keysecondary" in e) out["secondary_keys"] = e["keysecondary"];
  if ("comment" in e) out["comment"] = e["comment"];
  out["content"] = e["content"];
  if ("constant" in e) out["constant"] = e["constant"];
  if ("selective" in e) out["selective"] = e["selective"];
  out["insertion_order"] = e["order"] ?? DEFAULT_INSERTION_ORDER;
  out["enabled"] = e["disable"] !== true;
  if ("disable" in e && typeof e["disable"] !== "boolean") extra["disable"] = e["disable"];
  if ("position" in e) {
    out["position"] = Number(e["position"]) === 0 ? "before_char" : "after_char";
    ext["position"] = e["position"];
  }
  for (const f of V3_PASSTHROUGH) if (f in e) out[f] = e[f];
  if (isRecord(e[V3_EXTRA])) Object.assign(out, e[V3_EXTRA]);
  const stExt = e["extensions"];
  if (isRecord(stExt)) {
    // SillyTavern copies a card entry's extensions into the World Info entry, so its mapped keys duplicate the
    // live top-level fields (which win). The duplicates are kept aside so the file can be written back exactly.
    const dup: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(stExt)) {
      if (EXT_TO_ST.has(k) || k === "position" || k === ST_EXTRA) dup[k] = v;
      else ext[k] = v;
    }
    if (Object.keys(dup).length > 0 || Object.keys(stExt).length === 0) extra["extensions"] = dup;
  } else if (stExt !== undefined) extra["extensions"] = stExt;
  for (const [k, v] of Object.entries(e)) {
    const mapped = ST_TO_EXT.get(k);
    if (mapped) ext[mapped] = v;
    else if (!ST_CORE.has(k) && !ST_CORE_EXTRA.has(k) && !(V3_PASSTHROUGH as readonly string[]).includes(k)) {
      extra[k] = v;
    }
  }
  if (Object.keys(extra).length > 0) ext[ST_EXTRA] = extra;
  const absent = ST_CORE_FIELDS.filter((f) => !(f in e));
  if (absent.length > 0) ext[ST_ABSENT] = absent;
  out["extensions"] = ext;
  return out;
}

/** A V3 entry as a SillyTavern World Info entry (the inverse of stEntryToV3). */
export function v3EntryToSt(entry: LoreEntry, uid: number | string): Record<string, unknown> {
  const ext = entry.extensions;
  const absent = new Set(Array.isArray(ext[ST_ABSENT]) ? (ext[ST_ABSENT] as unknown[]) : []);
  const extra = isRecord(ext[ST_EXTRA]) ? (ext[ST_EXTRA] as Record<string, unknown>) : {};
  const core: Array<[string, unknown, boolean]> = [
    ["uid", "uid" in extra ? extra["uid"] : uid, false],
    ["key", entry.keys, entry.keys.length === 0],
    ["keysecondary", entry.secondary_keys ?? [], (entry.secondary_keys ?? []).length === 0],
    ["comment", entry.comment ?? "", (entry.comment ?? "") === ""],
    ["content", entry.content, entry.content === ""],
    ["constant", entry.constant ?? false, !entry.constant],
    ["selective", entry.selective ?? false, !entry.selective],
    ["order", entry.insertion_order, entry.insertion_order === DEFAULT_INSERTION_ORDER],
    [
      "position",
      "position" in ext ? ext["position"] : entry.position === "after_char" ? 1 : 0,
      !("position" in ext) && entry.position == null,
    ],
    ["disable", "disable" in extra ? extra["disable"] : !entry.enabled, entry.enabled && !("disable" in extra)],
  ];
  const out: Record<string, unknown> = {};
  // A field the source file did not have is left out again, unless it has since been given a real value.
  for (const [field, value, isDefault] of core) if (!(absent.has(field) && isDefault)) out[field] = value;
  const stExt: Record<string, unknown> = isRecord(extra["extensions"]) ? { ...(extra["extensions"] as object) } : {};
  for (const [k, v] of Object.entries(ext)) {
    if (k === ST_EXTRA || k === ST_ABSENT || k === "position") continue;
    const stName = EXT_TO_ST.get(k);
    if (stName) out[stName] = v;
    else stExt[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) if (k !== "uid" && k !== "disable" && k !== "extensions") out[k] = v;
  if ("extensions" in extra || Object.keys(stExt).length > 0) {
    out["extensions"] = isRecord(extra["extensions"]) || !("extensions" in extra) ? stExt : extra["extensions"];
  }
  for (const f of V3_PASSTHROUGH) {
    const v = (entry as Record<string, unknown>)[f];
    if (v === undefined) continue;
    // false is what every format assumes without the field, so it is only written when true.
    if (f === "use_regex" && v === false) continue;
    out[f] = v;
  }
  const v3Extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entry)) if (!V3_ENTRY_KNOWN.has(k)) v3Extra[k] = v;
  // The V3 position is derived back from SillyTavern's number; keep it aside when it says something else.
  const stPosition = "position" in ext ? ext["position"] : entry.position === "after_char" ? 1 : 0;
  const derived = Number(stPosition) === 0 ? "before_char" : "after_char";
  if (entry.position !== undefined && entry.position !== derived) v3Extra["position"] = entry.position;
  if (Object.keys(v3Extra).length > 0) out[V3_EXTRA] = v3Extra;
  return out;
}

/** A SillyTavern World Info file (`{entries: {uid: entry}}`) as a V3-shaped book (before normalisation). */
export function stBookToV3(file: Record<string, unknown>): Record<string, unknown> {
  const entries = isRecord(file["entries"]) ? (file["entries"] as Record<string, unknown>) : {};
  const book: Record<string, unknown> = {};
  for (const f of BOOK_FIELDS) if (f in file) book[f] = file[f];
  const ext: Record<string, unknown> = isRecord(file["extensions"]) ? { ...(file["extensions"] as object) } : {};
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(file)) {
    if (k === "entries" || k === "extensions" || k === V3_ENTRY_ORDER || (BOOK_FIELDS as readonly string[]).includes(k))
      continue;
    if (k === V3_EXTRA && isRecord(v)) Object.assign(book, v);
    else extra[k] = v;
  }
  if ("extensions" in file && !isRecord(file["extensions"])) extra["extensions"] = file["extensions"];
  if (Object.keys(extra).length > 0) ext[ST_EXTRA] = extra;
  book["extensions"] = ext;
  let pairs = Object.entries(entries);
  const order = file[V3_ENTRY_ORDER];
  if (Array.isArray(order)) {
    const rank = new Map(order.map((uid, i) => [String(uid), i]));
    pairs = [...pairs].sort(
      ([a], [b]) => (rank.get(a) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b) ?? Number.MAX_SAFE_INTEGER),
    );
  }
  book["entries"] = pairs.map(([id, e]) => (isRecord(e) ? stEntryToV3(e, id) : e));
  return book;
}

/** A V3 book as a SillyTavern World Info file. Entries are keyed by their id; duplicate or missing ids get free numbers. */
export function v3BookToSt(book: Lorebook): { file: Record<string, unknown>; warnings: string[] } {
  const warnings: string[] = [];
  const file: Record<string, unknown> = {};
  const entries: Record<string, unknown> = {};
  const used = new Set<string>();
  let next = 0;
  const freeId = () => {
    while (used.has(String(next))) next++;
    return next;
  };
  for (const e of book.entries) if (e.id !== undefined && e.id !== null) used.add(String(e.id));
  const taken = new Set<string>();
  const order: string[] = [];
  book.entries.forEach((entry, i) => {
    let uid: number | string = typeof entry.id === "number" || typeof entry.id === "string" ? entry.id : freeId();
    if (taken.has(String(uid))) {
      const fresh = freeId();
      warnings.push(`entry ${i} repeats id ${String(uid)}; it was written with uid ${fresh}`);
      uid = fresh;
    }
    taken.add(String(uid));
    used.add(String(uid));
    const st = v3EntryToSt(entry, uid);
    // A repeated id had to change; the original travels along so the way back restores it.
    if (entry.id !== undefined && String(entry.id) !== String(uid)) {
      st[V3_EXTRA] = { ...(isRecord(st[V3_EXTRA]) ? (st[V3_EXTRA] as object) : {}), id: entry.id };
    }
    entries[String(uid)] = st;
    order.push(String(uid));
  });
  file["entries"] = entries;
  if (Object.keys(entries).join("\u0000") !== order.join("\u0000")) file[V3_ENTRY_ORDER] = order;
  for (const f of BOOK_FIELDS) if (book[f] !== undefined) file[f] = book[f];
  const ext = { ...book.extensions };
  const extra = isRecord(ext[ST_EXTRA]) ? (ext[ST_EXTRA] as Record<string, unknown>) : {};
  delete ext[ST_EXTRA];
  if (Object.keys(ext).length > 0) file["extensions"] = ext;
  for (const [k, v] of Object.entries(extra)) file[k] = v;
  const v3Extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(book)) {
    if (k !== "entries" && k !== "extensions" && !(BOOK_FIELDS as readonly string[]).includes(k)) v3Extra[k] = v;
  }
  if (Object.keys(v3Extra).length > 0) file[V3_EXTRA] = v3Extra;
  return { file, warnings };
}
