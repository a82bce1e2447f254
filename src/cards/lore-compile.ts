import { canonicalJson, sha256 } from "../core/index.ts";
import { AhoCorasick } from "./aho-corasick.ts";
import type { Lorebook, LoreEntry } from "./card-schema.ts";
import { type Decorator, parseDecorators } from "./decorators.ts";
import { type EntrySettings, entrySettings } from "./entry-settings.ts";
import { type CompiledKey, compileRegex, parseSlashRegex } from "./lore-keys.ts";
import type { LoreCompileOptions, LoreScope, LoreSource } from "./lore-types.ts";
import { expandMacros } from "./macros.ts";
import { requiredLiteral } from "./regex-literal.ts";
import { isSingleWordKey } from "./word-boundary.ts";

/** One entry ready for scanning. */
export interface CompiledEntry {
  /** Position in scan order (also its index in CompiledLore.entries). */
  index: number;
  uid: string;
  book: string;
  id: string | number;
  title: string;
  hash: string;
  entry: LoreEntry;
  /** Content without the decorator block, macros not yet expanded. */
  content: string;
  decorators: Decorator[];
  settings: EntrySettings;
  primary: CompiledKey[];
  secondary: CompiledKey[];
  /** Each `@@additional_keys` line: at least one of its keys must match. */
  additional: CompiledKey[][];
  /** `@@exclude_keys`: none may match. */
  exclude: CompiledKey[];
  /**
   * True when a primary key is a regex without a required literal, which makes the entry a candidate in every scan
   * (a regex with a literal is indexed by its literal; regex secondary keys are evaluated only for entries whose
   * primary key matched).
   */
  hasRegex: boolean;
}

/** A plain needle in the index. */
export interface PatternInfo {
  needle: string;
  caseInsensitive: boolean;
  /** Some key using it needs whole-word checks. */
  wholeWord: boolean;
  /** Entries for which this needle is a primary key (so a hit makes them candidates). */
  primaryOf: number[];
  /** A regex key's required literal (matched against case-folded text) rather than a plain key. */
  literal: boolean;
}

/** Lorebooks prepared for fast activation: entries sorted, keys compiled and indexed. Reuse it across passes. */
export interface CompiledLore {
  readonly kind: "compiled-lore";
  readonly entries: readonly CompiledEntry[];
  readonly patterns: readonly PatternInfo[];
  /** Aho–Corasick over case-insensitive needles (matched against lower-cased text) and case-sensitive ones. */
  readonly insensitive: AhoCorasick;
  readonly sensitive: AhoCorasick;
  /** Pattern ids of each automaton, by automaton-local id. */
  readonly insensitiveIds: readonly number[];
  readonly sensitiveIds: readonly number[];
  /** Entries that must be looked at in every scan whatever the text (constant, regex keys, decorators). */
  readonly alwaysCandidates: readonly number[];
  /** Entries with a `delay` (checked against the chat length in every pass). */
  readonly delayed: readonly number[];
  /** The distinct `delay_until_recursion` levels, ascending. */
  readonly recursionLevels: readonly number[];
  readonly byUid: ReadonlyMap<string, number>;
  readonly byHash: ReadonlyMap<string, number>;
  /** Budget and recursion defaults from the books (scan depth is per book, in each entry's settings). */
  readonly defaults: { tokenBudget: number | undefined; recursive: boolean };
  readonly useGroupScoring: boolean;
  readonly segmenterLocale: string;
  /** `naive` re-scans every entry's keys (the perf baseline and test oracle); `indexed` uses the automata. */
  readonly matcher: "indexed" | "naive";
  /** Keys that could not be compiled (invalid regex), for explanations. */
  readonly problems: readonly string[];
}

const SCOPE_RANK: Record<LoreScope, number> = { chat: 0, persona: 1, character: 2, global: 2 };

function orderSources(
  sources: LoreSource[],
  strategy: LoreCompileOptions["insertionStrategy"],
): Array<{ source: LoreSource; name: string; entry: LoreEntry }> {
  const all = sources.flatMap((source, i) => {
    const name = source.name ?? source.book.name ?? `book${i}`;
    return source.book.entries.map((entry) => ({ source, name, entry }));
  });
  const byOrder = (a: { entry: LoreEntry }, b: { entry: LoreEntry }) =>
    b.entry.insertion_order - a.entry.insertion_order;
  const scope = (x: { source: LoreSource }) => x.source.scope ?? "global";
  const pick = (s: LoreScope) => all.filter((x) => scope(x) === s).sort(byOrder);
  const rest =
    (strategy ?? "character_first") === "evenly"
      ? all.filter((x) => SCOPE_RANK[scope(x)] === 2).sort(byOrder)
      : strategy === "global_first"
        ? [...pick("global"), ...pick("character")]
        : [...pick("character"), ...pick("global")];
  // As in SillyTavern: chat lore first, then persona lore, then character/global per the strategy; each by order.
  return [...pick("chat"), ...pick("persona"), ...rest];
}

/** Prepare books for activation (sorting, key compilation, the multi-key index). */
export function compileLore(input: Lorebook | LoreSource[], options: LoreCompileOptions = {}): CompiledLore {
  const sources: LoreSource[] = Array.isArray(input) ? input : [{ book: input, scope: "global" }];
  const macros = options.macros ?? {};
  const patterns: PatternInfo[] = [];
  const patternIds = new Map<string, number>();
  const problems: string[] = [];
  const entries: CompiledEntry[] = [];
  const seenUid = new Map<string, number>();
  for (const [index, { source, name, entry }] of orderSources(sources, options.insertionStrategy).entries()) {
    const parsed = parseDecorators(entry.content);
    const settings = entrySettings(entry, source.book, parsed.decorators);
    let id: string | number = entry.id ?? index;
    let uid = `${name}.${id}`;
    const dup = seenUid.get(uid) ?? 0;
    seenUid.set(uid, dup + 1);
    if (dup > 0) {
      id = `${String(id)}#${dup}`;
      uid = `${name}.${id}`;
    }
    const caseInsensitive = !(settings.caseSensitive ?? options.caseSensitive ?? false);
    const wholeWords = settings.matchWholeWords ?? options.matchWholeWords ?? false;
    const compileKey = (raw: string, forceRegex: boolean): CompiledKey => {
      // SillyTavern substitutes macros in keys ({{char}}, {{user}}) before matching.
      const key = expandMacros(raw, macros).trim();
      const slash = parseSlashRegex(key);
      if (slash || forceRegex) {
        const pattern = slash ? slash.pattern : key;
        const flags = slash ? slash.flags : caseInsensitive ? "i" : "";
        const { re, error } = compileRegex(pattern, flags);
        if (error)
          problems.push(`${uid}: key ${JSON.stringify(key)} is not a valid RE2 regex (${error}); it never matches`);
        const literal = re ? requiredLiteral(pattern, flags) : undefined;
        let literalPattern: number | undefined;
        if (literal) {
          // The literal goes into the index too: the regex is only run once the literal has been seen.
          const mapKey = `l${literal.caseInsensitive ? "i" : "s"}\u0000${literal.literal}`;
          literalPattern = patternIds.get(mapKey);
          if (literalPattern === undefined) {
            literalPattern = patterns.length;
            patterns.push({
              needle: literal.literal,
              caseInsensitive: literal.caseInsensitive,
              wholeWord: false,
              primaryOf: [],
              literal: true,
            });
            patternIds.set(mapKey, literalPattern);
          }
        }
        return {
          kind: "regex",
          key,
          re,
          ...(error ? { error } : {}),
          ...(literal ? { literal } : {}),
          ...(literalPattern === undefined ? {} : { literalPattern }),
        };
      }
      const needle = caseInsensitive ? key.toLowerCase() : key;
      const wholeWord = wholeWords && isSingleWordKey(needle);
      const mapKey = `${caseInsensitive ? "i" : "s"}\u0000${needle}`;
      let pattern = patternIds.get(mapKey);
      if (pattern === undefined) {
        pattern = patterns.length;
        patterns.push({ needle, caseInsensitive, wholeWord: false, primaryOf: [], literal: false });
        patternIds.set(mapKey, pattern);
      }
      if (wholeWord) (patterns[pattern] as PatternInfo).wholeWord = true;
      return { kind: "plain", key, needle, caseInsensitive, wholeWord, pattern };
    };
    const regexMode = entry.use_regex === true;
    const primary = entry.keys.filter((k) => typeof k === "string").map((k) => compileKey(k, regexMode));
    const secondary = (entry.secondary_keys ?? [])
      .filter((k) => typeof k === "string")
      .map((k) => compileKey(k, regexMode));
    const additional = parsed.decorators
      .filter((d) => d.name === "additional_keys")
      .map((d) => d.args.map((k) => compileKey(k, regexMode)));
    const excludeDecorator = parsed.decorators.find((d) => d.name === "exclude_keys");
    const exclude = (excludeDecorator?.args ?? []).map((k) => compileKey(k, regexMode));
    for (const key of primary) {
      if (key.kind === "plain" && key.needle !== "") (patterns[key.pattern] as PatternInfo).primaryOf.push(index);
      if (key.kind === "regex" && key.literalPattern !== undefined) {
        (patterns[key.literalPattern] as PatternInfo).primaryOf.push(index);
      }
    }
    const title = entry.comment || entry.name || entry.keys[0] || `entry ${String(id)}`;
    entries.push({
      index,
      uid,
      book: name,
      id,
      title,
      hash: sha256(canonicalJson({ book: name, entry })).slice(0, 16),
      entry,
      content: parsed.content,
      decorators: parsed.decorators,
      settings,
      primary,
      secondary,
      additional,
      exclude,
      hasRegex: primary.some((k) => k.kind === "regex" && k.re !== undefined && k.literalPattern === undefined),
    });
  }
  const split = (ci: boolean) => {
    const ids = patterns.flatMap((p, id) => (p.caseInsensitive === ci ? [id] : []));
    return { ids, automaton: new AhoCorasick(ids.map((id) => (patterns[id] as PatternInfo).needle)) };
  };
  const ci = split(true);
  const cs = split(false);
  const alwaysCandidates = entries
    .filter(
      (e) =>
        e.settings.constant ||
        e.hasRegex ||
        e.decorators.some((d) => d.name === "activate" || d.name === "keep_activate_after_match"),
    )
    .map((e) => e.index);
  const books = sources.map((s) => s.book);
  const budgets = books.map((b) => b.token_budget).filter((b): b is number => typeof b === "number" && b > 0);
  return {
    kind: "compiled-lore",
    entries,
    patterns,
    insensitive: ci.automaton,
    sensitive: cs.automaton,
    insensitiveIds: ci.ids,
    sensitiveIds: cs.ids,
    alwaysCandidates,
    delayed: entries.filter((e) => e.settings.delay > 0).map((e) => e.index),
    recursionLevels: [...new Set(entries.map((e) => e.settings.delayUntilRecursion).filter((l) => l > 0))].sort(
      (a, b) => a - b,
    ),
    byUid: new Map(entries.map((e) => [e.uid, e.index])),
    byHash: new Map(entries.map((e) => [e.hash, e.index])),
    defaults: {
      tokenBudget: budgets.length > 0 ? Math.min(...budgets) : undefined,
      recursive: books.some((b) => b.recursive_scanning === true),
    },
    useGroupScoring: options.useGroupScoring ?? false,
    segmenterLocale: options.segmenterLocale ?? "zh",
    matcher: options.matcher ?? "indexed",
    problems,
  };
}

/** True when a value is compiled lore rather than a book or a list of sources. */
export function isCompiledLore(value: unknown): value is CompiledLore {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "compiled-lore";
}
