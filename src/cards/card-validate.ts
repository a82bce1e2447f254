import { CardError } from "./card-error.ts";
import { normalizeCard } from "./card-normalize.ts";
import type { CharacterCardV3 } from "./card-schema.ts";
import { parseDecorators } from "./decorators.ts";
import { isRecord } from "./json-guard.ts";
import { compileRegex, parseSlashRegex } from "./lore-keys.ts";

/** One problem found while validating a card against the specs. */
export interface CardValidationIssue {
  /** JSON path (`data.tags.2`); "" for the whole file. */
  path: string;
  message: string;
}

/** Result of validateCard: errors break the spec, warnings are allowed but unusual. */
export interface CardValidation {
  ok: boolean;
  spec: "v1" | "v2" | "v3" | "unknown";
  errors: CardValidationIssue[];
  warnings: CardValidationIssue[];
}

// Fields whose absence breaks the spec the card claims (the reader fills them in, so it is a warning, not fatal).
const REQUIRED_V2 =
  /^data\.[a-z_]+$|^data\.character_book\.(extensions|entries)$|^data\.character_book\.entries\.\d+\.(keys|content|extensions|enabled|insertion_order)$/;
const V3_ONLY_REQUIRED = /^data\.group_only_greetings$|^data\.character_book\.entries\.\d+\.use_regex$/;

const pathOf = (message: string) => /^([\w.]+) /.exec(message)?.[1] ?? "";

/**
 * Check a parsed card against the V1/V2/V3 specs without changing it. Errors: not a card, or values of the wrong
 * type (they would be converted on import). Warnings: required fields missing (defaults would be filled in), newer
 * spec versions, asset rules, lorebook entries whose regex keys RE2 cannot compile (they never match), decorators
 * troupe ignores.
 */
export function validateCard(json: unknown): CardValidation {
  let loaded: ReturnType<typeof normalizeCard>;
  try {
    loaded = normalizeCard(json);
  } catch (error) {
    if (error instanceof CardError) {
      return { ok: false, spec: "unknown", errors: [{ path: "", message: error.message }], warnings: [] };
    }
    throw error;
  }
  const spec = loaded.source.spec;
  const errors: CardValidationIssue[] = [];
  const warnings: CardValidationIssue[] = [];
  for (const w of loaded.warnings) {
    (/ should be /.test(w) ? errors : warnings).push({ path: pathOf(w), message: w });
  }
  for (const path of loaded.addedDefaults) {
    const required =
      spec === "v1"
        ? /^data\.(name|description|personality|scenario|first_mes|mes_example)$/.test(path)
        : REQUIRED_V2.test(path) && !V3_ONLY_REQUIRED.test(path);
    if (required || (spec === "v3" && V3_ONLY_REQUIRED.test(path)) || path === "spec_version") {
      warnings.push({
        path,
        message: `${path} is required by the ${spec.toUpperCase()} spec but missing (imports as its default)`,
      });
    }
  }
  checkAssets(loaded.card, warnings);
  checkBook(loaded.card, warnings);
  return { ok: errors.length === 0, spec, errors, warnings };
}

function checkAssets(card: CharacterCardV3, warnings: CardValidationIssue[]): void {
  const assets = card.data.assets;
  if (!Array.isArray(assets)) return;
  const icons = assets.filter((a) => isRecord(a) && a.type === "icon");
  const mains = icons.filter((a) => a.name === "main");
  if (icons.length > 1 && mains.length !== 1) {
    warnings.push({
      path: "data.assets",
      message: `with several icons exactly one must be named "main" (found ${mains.length})`,
    });
  }
  assets.forEach((a, i) => {
    if (!isRecord(a)) return;
    if (typeof a.ext === "string" && a.ext !== a.ext.toLowerCase()) {
      warnings.push({ path: `data.assets.${i}.ext`, message: "ext must be lower case" });
    }
    if (typeof a.uri === "string" && !/^(https?:|data:|embeded:\/\/|ccdefault:|__asset:)/.test(a.uri)) {
      warnings.push({ path: `data.assets.${i}.uri`, message: `unusual asset URI "${a.uri.slice(0, 40)}"` });
    }
  });
  const notes = card.data.creator_notes_multilingual;
  if (isRecord(notes)) {
    for (const lang of Object.keys(notes)) {
      if (!/^[a-z]{2}$/.test(lang)) {
        warnings.push({
          path: `data.creator_notes_multilingual.${lang}`,
          message: "keys must be ISO 639-1 codes without region",
        });
      }
    }
  }
}

function checkBook(card: CharacterCardV3, warnings: CardValidationIssue[]): void {
  const book = card.data.character_book;
  if (!book) return;
  book.entries.forEach((e, i) => {
    const at = `data.character_book.entries.${i}`;
    if (
      e.position !== undefined &&
      e.position !== null &&
      e.position !== "before_char" &&
      e.position !== "after_char"
    ) {
      warnings.push({
        path: `${at}.position`,
        message: `position "${e.position}" is neither before_char nor after_char`,
      });
    }
    for (const key of [...e.keys, ...(e.secondary_keys ?? [])]) {
      const slash = parseSlashRegex(key);
      const pattern = slash ? slash.pattern : e.use_regex ? key : undefined;
      if (pattern === undefined) continue;
      const { error } = compileRegex(pattern, slash?.flags ?? "");
      if (error)
        warnings.push({
          path: `${at}.keys`,
          message: `regex key ${JSON.stringify(key)} is not valid RE2 and never matches: ${error}`,
        });
    }
    for (const line of parseDecorators(e.content).ignored) {
      warnings.push({
        path: `${at}.content`,
        message: `decorator "${line}" is not supported by troupe and is ignored`,
      });
    }
  });
}
