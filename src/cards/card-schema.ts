import * as z from "zod";

// One schema per concept. Every object is "loose": keys the specs do not define are kept, because the V2 and V3
// specs both say an application must never destroy data it does not understand. Optional fields stay optional
// (absent stays absent) and optional lorebook fields accept `null`, which real exporters write for "not set", so
// a card or book can be written back exactly as it came in.

/** A V3 asset: `{type, uri, name, ext}` (`uri` is https, a data URL, `embeded://path` or `ccdefault:`). */
export const CardAssetSchema = z.looseObject({
  type: z.string(),
  uri: z.string(),
  name: z.string(),
  ext: z.string(),
});
export type CardAsset = z.infer<typeof CardAssetSchema>;

/**
 * One lorebook entry in V3 shape. SillyTavern's own fields (selectiveLogic, probability, group, sticky, …) live under
 * `extensions` with the snake_case names SillyTavern itself uses when it embeds a World Info book in a card, so a
 * book moves between SillyTavern and V2/V3 without renaming anything.
 */
export const LoreEntrySchema = z.looseObject({
  keys: z.array(z.string()),
  content: z.string(),
  extensions: z.record(z.string(), z.unknown()),
  enabled: z.boolean(),
  insertion_order: z.number(),
  /** Real exports write `null` for "use the global setting"; the spec says boolean or absent. */
  case_sensitive: z.boolean().nullable().optional(),
  /** V3: every key is a regular expression (RE2 syntax here; an invalid pattern never matches). */
  use_regex: z.boolean(),
  constant: z.boolean().nullable().optional(),
  name: z.string().nullable().optional(),
  priority: z.number().nullable().optional(),
  id: z.union([z.number(), z.string()]).optional(),
  comment: z.string().nullable().optional(),
  selective: z.boolean().nullable().optional(),
  secondary_keys: z.array(z.string()).nullable().optional(),
  /** `before_char` or `after_char` by the spec; kept as any string so unusual values survive a round trip. */
  position: z.string().nullable().optional(),
});
export type LoreEntry = z.infer<typeof LoreEntrySchema>;

/** A lorebook in V3 shape (a V2 `character_book` is the same object without `use_regex`). */
export const LorebookSchema = z.looseObject({
  name: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  scan_depth: z.number().nullable().optional(),
  token_budget: z.number().nullable().optional(),
  recursive_scanning: z.boolean().nullable().optional(),
  extensions: z.record(z.string(), z.unknown()),
  entries: z.array(LoreEntrySchema),
});
export type Lorebook = z.infer<typeof LorebookSchema>;

/** The `data` object of a V3 card: the V2 fields plus the V3 additions. */
export const CardDataSchema = z.looseObject({
  name: z.string(),
  description: z.string(),
  personality: z.string(),
  scenario: z.string(),
  first_mes: z.string(),
  mes_example: z.string(),
  creator_notes: z.string(),
  system_prompt: z.string(),
  post_history_instructions: z.string(),
  alternate_greetings: z.array(z.string()),
  tags: z.array(z.string()),
  creator: z.string(),
  character_version: z.string(),
  extensions: z.record(z.string(), z.unknown()),
  character_book: LorebookSchema.optional(),
  group_only_greetings: z.array(z.string()),
  assets: z.array(CardAssetSchema).optional(),
  nickname: z.string().optional(),
  creator_notes_multilingual: z.record(z.string(), z.string()).optional(),
  source: z.array(z.string()).optional(),
  creation_date: z.number().optional(),
  modification_date: z.number().optional(),
});
export type CardData = z.infer<typeof CardDataSchema>;

/**
 * A character card normalised to V3 shape, whatever it was read from. Unknown top-level keys (SillyTavern keeps
 * V1 mirrors such as `name`, `talkativeness`, `chat` next to `data`) are kept as they were.
 */
export const CharacterCardV3Schema = z.looseObject({
  spec: z.literal("chara_card_v3"),
  spec_version: z.string(),
  data: CardDataSchema,
});
export type CharacterCardV3 = z.infer<typeof CharacterCardV3Schema>;

/** The card spec a file was written in. */
export type CardSpec = "v1" | "v2" | "v3";

/** The container a card travels in. */
export type CardContainer = "json" | "png" | "charx";

/** A card as read, with everything needed to write it back without loss. */
export interface LoadedCard {
  /** The card, normalised to V3 shape with spec defaults applied. */
  card: CharacterCardV3;
  source: {
    spec: CardSpec;
    /** The spec_version string as written ("2.0", "3.0", …; "1" for V1). */
    specVersion: string;
    container: CardContainer;
    /** For PNG: which text chunk the card was read from. */
    chunk?: "ccv3" | "chara";
  };
  /** The PNG/APNG bytes the card came in (re-used as the image when writing PNG again). */
  image?: Uint8Array;
  /** CharX members other than `card.json` (assets, app data), by their path inside the zip. */
  files: Record<string, Uint8Array>;
  /** Things that were odd but recoverable (wrong types coerced, newer spec version, …). */
  warnings: string[];
  /**
   * Paths (`data.group_only_greetings`, `data.character_book.entries.2.use_regex`) of fields the reader added as
   * spec defaults. Writers leave them out of formats that do not define them, so a V2 card exports as V2 unchanged.
   */
  addedDefaults: string[];
  /** The JSON object exactly as parsed from the file. */
  original: unknown;
}

/** On-disk lorebook formats. */
export type LorebookFormat = "sillytavern" | "lorebook_v3" | "character_book";

/** A lorebook as read, normalised to V3 shape. */
export interface LoadedLorebook {
  book: Lorebook;
  source: {
    /** `card` when the book was embedded in a character card. */
    format: LorebookFormat | "card";
  };
  warnings: string[];
  /** Paths (`entries.3.use_regex`) of fields the reader added as defaults; see LoadedCard.addedDefaults. */
  addedDefaults: string[];
  original: unknown;
}
