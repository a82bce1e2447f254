import type { Lorebook } from "./card-schema.ts";

/** Where a book comes from; decides its place in the scan order, as in SillyTavern (chat lore is scanned first). */
export type LoreScope = "chat" | "persona" | "character" | "global";

/** One book taking part in a scan. */
export interface LoreSource {
  book: Lorebook;
  /** Identifies the book in explanations and in timed-effect state (default: `book.name`, else `book<i>`). */
  name?: string;
  /** Default `global`. */
  scope?: LoreScope;
}

/** SillyTavern's order between character and global books (chat, then persona lore always come first). */
export type InsertionStrategy = "evenly" | "character_first" | "global_first";

/** Settings that change how keys are compiled (so they are fixed when the lore is compiled). */
export interface LoreCompileOptions {
  /** Global default when an entry does not say (SillyTavern default false). */
  caseSensitive?: boolean;
  /** Global default when an entry does not say (SillyTavern default false). See word-boundary.ts for the definition. */
  matchWholeWords?: boolean;
  /** Global default for inclusion-group scoring (SillyTavern default false). */
  useGroupScoring?: boolean;
  /** Default `character_first`. */
  insertionStrategy?: InsertionStrategy;
  /** Names substituted into keys (`{{char}}`, `{{user}}`), as SillyTavern substitutes macros in keys. */
  macros?: MacroContext;
  /** Locale used to find word boundaries in text without spaces (default `zh`). */
  segmenterLocale?: string;
  /**
   * `indexed` (default) finds every plain key in one pass with an Aho–Corasick automaton; `naive` tests every key of
   * every entry against the scan text, as SillyTavern does. Both give identical results (a test checks it); naive is
   * the baseline the perf benchmark compares against.
   */
  matcher?: "indexed" | "naive";
}

/** A message in the scan window. Plain strings are message texts without a speaker name. */
export type LoreMessage = string | { name?: string; text: string; role?: "user" | "assistant" | "system" };

/** Text outside the chat that an entry can opt in to scanning (SillyTavern "additional matching sources"). */
export interface LoreGlobalScanData {
  personaDescription?: string;
  characterDescription?: string;
  characterPersonality?: string;
  characterDepthPrompt?: string;
  scenario?: string;
  creatorNotes?: string;
}

/** Everything one activation pass needs. Nothing here is read from a clock or a global: the scan is pure. */
export interface LoreScanInput {
  /** The chat so far, oldest first (only the most recent `scanDepth` messages are scanned by default). */
  messages: LoreMessage[];
  /** Length of the whole chat, when `messages` is only a window of it (timed effects count in messages). */
  chatLength?: number;
  /** Number of assistant/character messages so far (for `@@activate_only_after`/`_every`); default: counted. */
  assistantMessageCount?: number;
  /** Seed for probability rolls, inclusion-group rolls and `{{random}}`/`{{pick}}` in contents. */
  seed: number | string;
  /** Timed-effect and match-history state from the previous pass (see emptyLoreState). */
  state?: LoreState;
  /** Scan depth in messages for entries that do not set their own (default: each book's `scan_depth`, else 2 as in SillyTavern). */
  scanDepth?: number;
  /** Token budget for all activated content (default: the smallest `token_budget` of the books, else unlimited). */
  tokenBudget?: number;
  /** Recursive scanning (default: true when any book sets `recursive_scanning: true`). */
  recursive?: boolean;
  /** 0 = unlimited (SillyTavern default). */
  maxRecursionSteps?: number;
  /** Keep widening the scan depth until this many entries are active (0 = off). */
  minActivations?: number;
  /** Upper bound for the widened depth (0 = the chat length). */
  minActivationsDepthMax?: number;
  /** Prefix messages that carry a name with `Name: ` before scanning (SillyTavern default true). */
  includeNames?: boolean;
  /** Extra prompts that should be scanned too (author's note, character's note). */
  injections?: string[];
  globalScanData?: LoreGlobalScanData;
  /** Entries to activate regardless of keys, by uid (`<book>.<id>`). */
  forced?: string[];
  /** Macro values for entry contents (and `{{original}}`). */
  macros?: MacroContext;
  /** Token counter for the budget (default: estimateTokens). */
  countTokens?: (text: string) => number;
  /** Generation type for SillyTavern `triggers` (normal, continue, impersonate, swipe, regenerate, quiet). */
  generationType?: string;
  /** Character file name and tags for SillyTavern character filters. */
  character?: { name?: string; tags?: string[] };
  /** Index of the greeting in use (0 = first_mes) for `@@is_greeting`. */
  greetingIndex?: number;
  /** Name of the active user icon for `@@is_user_icon`. */
  userIconName?: string;
  /** Include every entry that was looked at, not only interesting ones, in the trace. */
  traceAll?: boolean;
}

/** A timed effect (sticky or cooldown), counted in chat messages as SillyTavern does. */
export interface TimedEffect {
  /** Hash of the entry that set it; an edited entry no longer matches its old effect. */
  hash: string;
  /** Chat length when it started. */
  start: number;
  /** Chat length when it ends. */
  end: number;
  /** A protected effect survives a pass where the chat did not advance (swipe, regenerate). */
  protected: boolean;
}

/** State carried between passes. Treat it as a value: activateLore never mutates the state it was given. */
export interface LoreState {
  sticky: Record<string, TimedEffect>;
  cooldown: Record<string, TimedEffect>;
  /** How many passes each entry was activated in (for `@@keep_activate_after_match`/`@@dont_activate_after_match`). */
  matched: Record<string, number>;
}

/** Where a key was found. */
export type LoreMatchSource =
  | "message"
  | "injection"
  | "recursion"
  | "personaDescription"
  | "characterDescription"
  | "characterPersonality"
  | "characterDepthPrompt"
  | "scenario"
  | "creatorNotes";

/** One key that matched, and where. */
export interface LoreKeyMatch {
  key: string;
  role: "primary" | "secondary" | "additional";
  source: LoreMatchSource;
  /** For `message`: 0 = newest message. For `recursion`: the scan loop that added the text. */
  depth?: number;
  /** Offset of the match in that message/text as scanned (lower-cased when the key is case-insensitive). */
  offset: number;
  /** The matched text. */
  text: string;
}

/** Why an entry was activated. */
export type LoreActivationReason = "key" | "constant" | "sticky" | "forced" | "decorator" | "keep_after_match";

/** Where activated content goes, in SillyTavern's terms plus the V3 `@@position` values. */
export type LorePosition =
  | "before_char"
  | "after_char"
  | "an_top"
  | "an_bottom"
  | "at_depth"
  | "em_top"
  | "em_bottom"
  | "outlet"
  | "before_desc"
  | "after_desc"
  | "personality"
  | "scenario";

/** An entry that made it into the prompt. */
export interface ActivatedLoreEntry {
  /** `<book>.<id>`: stable across passes, used for timed effects and `forced`. */
  uid: string;
  book: string;
  id: string | number;
  /** The entry's comment or name, for people. */
  title: string;
  /** Content with decorators stripped and macros expanded, ready for the prompt. */
  content: string;
  tokens: number;
  position: LorePosition;
  /** For `at_depth`: messages from the end. */
  depth?: number;
  role: "system" | "user" | "assistant";
  order: number;
  /** For `outlet`: the outlet name. */
  outlet?: string;
  reason: LoreActivationReason;
  matches: LoreKeyMatch[];
  /** Scan loop (1 = the direct scan, 2+ = recursion or widened depth). */
  loop: number;
}

/** Stable machine-readable codes for every decision the engine explains. */
export type LoreDecisionCode =
  | "activated"
  | "disabled"
  | "filtered_character"
  | "filtered_trigger"
  | "delayed"
  | "cooldown"
  | "delay_until_recursion"
  | "exclude_recursion"
  | "decorator_dont_activate"
  | "decorator_condition"
  | "no_keys"
  | "no_match"
  | "secondary_unsatisfied"
  | "group_lost"
  | "group_already_active"
  | "probability_failed"
  | "budget_exceeded"
  | "empty_content";

/** One explained decision about one entry. */
export interface LoreDecision {
  uid: string;
  title: string;
  loop: number;
  outcome: "activated" | "suppressed" | "dropped";
  code: LoreDecisionCode;
  /** One sentence a person can read ("dropped: budget of 200 tokens reached (used 180, entry needs 40)"). */
  detail: string;
  matches?: LoreKeyMatch[];
}

/** The result of one activation pass. */
export interface LoreActivation {
  /** Activated entries in prompt order (within a position, lower `order` first, as SillyTavern assembles). */
  activated: ActivatedLoreEntry[];
  /** Joined content per position, ready to place into a prompt. */
  prompt: LorePrompt;
  /** Every decision worth explaining, in the order the engine made them. */
  decisions: LoreDecision[];
  /** State to pass to the next pass. */
  state: LoreState;
  budget: { limit: number; used: number; overflowed: boolean };
  /** Scan loops run. */
  loops: number;
  /** V3 `@@disable_ui_prompt` values requested by activated entries. */
  disabledUiPrompts: string[];
}

/** Activated content grouped by where it goes. */
export interface LorePrompt {
  before: string;
  after: string;
  anTop: string[];
  anBottom: string[];
  emTop: string[];
  emBottom: string[];
  atDepth: Array<{ depth: number; role: "system" | "user" | "assistant"; entries: string[] }>;
  outlets: Record<string, string[]>;
  beforeDesc: string[];
  afterDesc: string[];
  personality: string[];
  scenario: string[];
}

/** Values for macros (`{{char}}`, `{{user}}`, `{{original}}`) and the seed for random ones. */
export interface MacroContext {
  /** Character name (the V3 `nickname` wins over `name`; see macroContextFromCard). */
  char?: string;
  /** User's display name. */
  user?: string;
  /** The text `{{original}}` stands for (the prompt the card's system prompt would replace). */
  original?: string;
  /** Seed: `{{pick}}` gives the same value for the same seed, `{{random}}`/`{{roll}}` are reproducible with it. */
  seed?: number | string;
}
