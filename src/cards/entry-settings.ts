import type { Lorebook, LoreEntry } from "./card-schema.ts";
import type { Decorator } from "./decorators.ts";
import { isRecord } from "./json-guard.ts";
import type { LoreGlobalScanData, LorePosition } from "./lore-types.ts";

/** Everything the engine needs to know about an entry, resolved from its fields, extensions and decorators. */
export interface EntrySettings {
  enabled: boolean;
  constant: boolean;
  selective: boolean;
  /** 0 AND_ANY, 1 NOT_ALL, 2 NOT_ANY, 3 AND_ALL (SillyTavern's enum). */
  logic: 0 | 1 | 2 | 3;
  caseSensitive: boolean | undefined;
  matchWholeWords: boolean | undefined;
  useGroupScoring: boolean | undefined;
  /** The entry's own scan depth (its extensions or `@@scan_depth`), if any. */
  scanDepth: number | undefined;
  /** The book's `scan_depth`, used when neither the entry nor the scan input sets a depth. */
  bookScanDepth: number | undefined;
  probability: number;
  useProbability: boolean;
  groups: string[];
  groupOverride: boolean;
  groupWeight: number;
  excludeRecursion: boolean;
  preventRecursion: boolean;
  /** 0 = not delayed; n = activates only at recursion level n or later. */
  delayUntilRecursion: number;
  sticky: number;
  cooldown: number;
  delay: number;
  position: LorePosition;
  depth: number;
  role: "system" | "user" | "assistant";
  outlet: string | undefined;
  order: number;
  priority: number;
  ignoreBudget: boolean;
  /** V3 `@@ignore_on_max_context`: dropped first when the budget runs out. */
  lowPriority: boolean;
  triggers: string[];
  /** V3 decorators the activation checks, resolved once (first of each name wins, as the spec says). */
  decorators: {
    activate: boolean;
    dontActivate: boolean;
    keepAfterMatch: boolean;
    dontAfterMatch: boolean;
    onlyAfter: number | undefined;
    onlyEvery: number | undefined;
    isGreeting: number | undefined;
    userIcon: string | undefined;
  };
  characterFilter: { names: string[]; tags: string[]; isExclude: boolean } | undefined;
  extraSources: Array<keyof LoreGlobalScanData>;
}

const POSITIONS: LorePosition[] = [
  "before_char",
  "after_char",
  "an_top",
  "an_bottom",
  "at_depth",
  "em_top",
  "em_bottom",
  "outlet",
];
const ROLES = ["system", "user", "assistant"] as const;
const SOURCES: Array<[string, keyof LoreGlobalScanData]> = [
  ["match_persona_description", "personaDescription"],
  ["match_character_description", "characterDescription"],
  ["match_character_personality", "characterPersonality"],
  ["match_character_depth_prompt", "characterDepthPrompt"],
  ["match_scenario", "scenario"],
  ["match_creator_notes", "creatorNotes"],
];

const NO_SOURCES: Array<keyof LoreGlobalScanData> = [];

/** The extra sources an entry scans; entries without any share one array (the matcher caches views by it). */
function extraSources(ext: Record<string, unknown>): Array<keyof LoreGlobalScanData> {
  const sources = SOURCES.filter(([key]) => ext[key] === true).map(([, source]) => source);
  return sources.length > 0 ? sources : NO_SOURCES;
}

const numberOf = (d: Decorator | undefined) => (d === undefined ? undefined : Number(d.value));
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === "boolean" ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** Resolve an entry's effective settings. SillyTavern's defaults apply where neither the entry nor a decorator says. */
export function entrySettings(entry: LoreEntry, book: Lorebook, decorators: readonly Decorator[]): EntrySettings {
  const ext = entry.extensions;
  const first = (name: string) => decorators.find((d) => d.name === name);
  const stPosition = num(ext["position"]);
  let position: LorePosition =
    stPosition !== undefined
      ? (POSITIONS[stPosition] ?? "before_char")
      : entry.position === "after_char"
        ? "after_char"
        : "before_char";
  let depth = num(ext["depth"]) ?? 4;
  const roleIndex = num(ext["role"]);
  let role: EntrySettings["role"] = roleIndex !== undefined ? (ROLES[roleIndex] ?? "system") : "system";
  const depthDecorator = first("depth");
  const positionDecorator = first("position");
  // The spec: @@position wins over @@depth.
  if (positionDecorator) position = positionDecorator.value.toLowerCase() as LorePosition;
  else if (depthDecorator) {
    position = "at_depth";
    depth = Number(depthDecorator.value);
  }
  const roleDecorator = first("role");
  if (roleDecorator) role = roleDecorator.value.toLowerCase() as EntrySettings["role"];
  const logic = num(ext["selectiveLogic"]);
  const delayUntil = ext["delay_until_recursion"];
  const scanDecorator = first("scan_depth");
  const group = typeof ext["group"] === "string" ? ext["group"] : "";
  const filter = ext["character_filter"];
  const probability = num(ext["probability"]) ?? 100;
  return {
    enabled: entry.enabled !== false,
    constant: entry.constant === true,
    selective: entry.selective === true,
    logic: logic === 1 || logic === 2 || logic === 3 ? logic : 0,
    caseSensitive: bool(ext["case_sensitive"]) ?? bool(entry.case_sensitive),
    matchWholeWords: bool(ext["match_whole_words"]),
    useGroupScoring: bool(ext["use_group_scoring"]),
    scanDepth: scanDecorator ? Number(scanDecorator.value) : num(ext["scan_depth"]),
    bookScanDepth: num(book.scan_depth),
    probability,
    useProbability: bool(ext["useProbability"]) ?? true,
    groups: group.split(/,\s*/).filter((g) => g !== ""),
    groupOverride: ext["group_override"] === true,
    groupWeight: num(ext["group_weight"]) ?? 100,
    // V3: a book with recursive_scanning false must never be activated by other entries' content.
    excludeRecursion: ext["exclude_recursion"] === true || book.recursive_scanning === false,
    preventRecursion: ext["prevent_recursion"] === true,
    delayUntilRecursion: delayUntil === true ? 1 : Math.max(0, num(delayUntil) ?? 0),
    sticky: Math.max(0, num(ext["sticky"]) ?? 0),
    cooldown: Math.max(0, num(ext["cooldown"]) ?? 0),
    delay: Math.max(0, num(ext["delay"]) ?? 0),
    position,
    depth,
    role,
    outlet: typeof ext["outlet_name"] === "string" && ext["outlet_name"] !== "" ? ext["outlet_name"] : undefined,
    order: entry.insertion_order,
    priority: num(entry.priority) ?? 0,
    ignoreBudget: ext["ignore_budget"] === true,
    lowPriority: first("ignore_on_max_context") !== undefined,
    triggers: strings(ext["triggers"]),
    decorators: {
      activate: first("activate") !== undefined,
      dontActivate: first("dont_activate") !== undefined,
      keepAfterMatch: first("keep_activate_after_match") !== undefined,
      dontAfterMatch: first("dont_activate_after_match") !== undefined,
      onlyAfter: numberOf(first("activate_only_after")),
      onlyEvery: numberOf(first("activate_only_every")),
      isGreeting: numberOf(first("is_greeting")),
      userIcon: first("is_user_icon")?.value,
    },
    characterFilter: isRecord(filter)
      ? { names: strings(filter["names"]), tags: strings(filter["tags"]), isExclude: filter["isExclude"] === true }
      : undefined,
    extraSources: extraSources(ext),
  };
}
