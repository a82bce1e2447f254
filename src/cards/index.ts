// Public API of src/cards: character cards (V1/V2/V3 in JSON, PNG/APNG, CharX), lorebooks (V2 character_book,
// lorebook_v3, SillyTavern World Info), the lore activation engine, decorators and macros. Other folders import only
// from here.

export { extractCardAssets } from "./card-assets.ts";
export { CardError } from "./card-error.ts";
export { type CardJsonOptions, cardToJson } from "./card-export.ts";
export { normalizeCard } from "./card-normalize.ts";
export { readCard, readCardFile } from "./card-read.ts";
export {
  type CardAsset,
  CardAssetSchema,
  type CardContainer,
  type CardData,
  CardDataSchema,
  type CardSpec,
  type CharacterCardV3,
  CharacterCardV3Schema,
  type LoadedCard,
  type LoadedLorebook,
  type Lorebook,
  type LorebookFormat,
  LorebookSchema,
  type LoreEntry,
  LoreEntrySchema,
} from "./card-schema.ts";
export { type CardValidation, type CardValidationIssue, validateCard } from "./card-validate.ts";
export { type WriteCardOptions, writeCard, writeCardCharx, writeCardJson, writeCardPng } from "./card-write.ts";
export { type Decorator, parseDecorators } from "./decorators.ts";
export { activateLore, emptyLoreState } from "./lore-activate.ts";
export { type CompiledLore, compileLore } from "./lore-compile.ts";
export { createLorebook, createLoreEntry } from "./lore-entry.ts";
export type {
  ActivatedLoreEntry,
  InsertionStrategy,
  LoreActivation,
  LoreActivationReason,
  LoreCompileOptions,
  LoreDecision,
  LoreDecisionCode,
  LoreGlobalScanData,
  LoreKeyMatch,
  LoreMatchSource,
  LoreMessage,
  LorePosition,
  LorePrompt,
  LoreScanInput,
  LoreScope,
  LoreSource,
  LoreState,
  MacroContext,
  TimedEffect,
} from "./lore-types.ts";
export { convertLorebook, normalizeLorebook, readLorebook, readLorebookFile, writeLorebook } from "./lorebook-io.ts";
export { expandMacros, type MacroMode, macroContextFromCard } from "./macros.ts";
export { DEFAULT_READ_LIMITS, type ReadLimits } from "./read-limits.ts";
export { estimateTokens } from "./token-estimate.ts";
