import { open } from "node:fs/promises";
import { normalizeBookObject } from "./book-normalize.ts";
import { CardError } from "./card-error.ts";
import { bookToSpecJson } from "./card-export.ts";
import { normalizeCard } from "./card-normalize.ts";
import { fileSize, readBoundedFile, readCard, readCardFile } from "./card-read.ts";
import type { LoadedCard, LoadedLorebook, Lorebook, LorebookFormat } from "./card-schema.ts";
import { isZip } from "./charx.ts";
import type { NormalizeLog } from "./field-coerce.ts";
import { decodeUtf8, isRecord, parseJsonText } from "./json-guard.ts";
import { stBookToV3, v3BookToSt } from "./lorebook-st.ts";
import { isPng } from "./png-chunks.ts";
import { type ReadLimits, resolveLimits } from "./read-limits.ts";

/** Where keys of a `{spec: "lorebook_v3", data}` wrapper other than `spec`/`data` are kept in the book. */
const WRAPPER_EXTRA = "lorebook_v3_extra";

function fromCard(loaded: LoadedCard): LoadedLorebook {
  const book = loaded.card.data.character_book;
  if (!book) {
    throw new CardError("lorebook.card_without_book", `the card "${loaded.card.data.name}" has no embedded lorebook`, {
      hint: "Only cards with a character_book carry a lorebook.",
    });
  }
  const prefix = "data.character_book.";
  return {
    book,
    source: { format: "card" },
    warnings: loaded.warnings,
    addedDefaults: loaded.addedDefaults.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length)),
    original: loaded.original,
  };
}

/**
 * Normalise a parsed lorebook to V3 shape: SillyTavern World Info (`{entries: {uid: …}}`), a standalone
 * `lorebook_v3`, a bare V2 `character_book` (`{entries: [...]}`), or a character card carrying one.
 */
export function normalizeLorebook(json: unknown): LoadedLorebook {
  if (!isRecord(json)) {
    throw new CardError("lorebook.not_object", "a lorebook must be a JSON object", {
      hint: "The file parsed as JSON but holds an array or a plain value.",
    });
  }
  const log: NormalizeLog = { warnings: [], added: [] };
  const spec = json["spec"];
  if (spec === "lorebook_v3") {
    const data = json["data"];
    if (!isRecord(data)) {
      throw new CardError("lorebook.missing_data", "a lorebook_v3 file must have a `data` object", {
        hint: "The book's fields live under `data`; this file has none.",
      });
    }
    const book = normalizeBookObject(data, "", log);
    const extra = Object.fromEntries(Object.entries(json).filter(([k]) => k !== "spec" && k !== "data"));
    if (Object.keys(extra).length > 0) book.extensions[WRAPPER_EXTRA] = extra;
    return {
      book,
      source: { format: "lorebook_v3" },
      warnings: log.warnings,
      addedDefaults: log.added,
      original: json,
    };
  }
  if (spec === "chara_card_v2" || spec === "chara_card_v3") return fromCard(normalizeCard(json));
  const foreign =
    json["lorebookVersion"] !== undefined
      ? "a NovelAI lorebook"
      : json["kind"] === "memory"
        ? "an Agnai memory book"
        : json["type"] === "risu"
          ? "a RisuAI lorebook"
          : undefined;
  if (foreign) {
    throw new CardError("lorebook.unsupported_format", `this is ${foreign}, which troupe does not read yet`, {
      hint: "Import it into SillyTavern and export it as World Info JSON, then convert that.",
    });
  }
  if (isRecord(json["entries"])) {
    const book = normalizeBookObject(stBookToV3(json), "", log);
    return {
      book,
      source: { format: "sillytavern" },
      warnings: log.warnings,
      addedDefaults: log.added,
      original: json,
    };
  }
  if (Array.isArray(json["entries"])) {
    const book = normalizeBookObject(json, "", log);
    return {
      book,
      source: { format: "character_book" },
      warnings: log.warnings,
      addedDefaults: log.added,
      original: json,
    };
  }
  throw new CardError("lorebook.unrecognized", "this JSON is not a lorebook (no `entries`, no lorebook_v3 spec)", {
    hint: "troupe reads SillyTavern World Info, lorebook_v3, V2 character_book files and cards with a book.",
  });
}

/** Read a lorebook from bytes or text: JSON in any lorebook format, or a card (JSON/PNG/CharX) with a book. */
export function readLorebook(
  input: Uint8Array | string,
  options: { limits?: Partial<ReadLimits> } = {},
): LoadedLorebook {
  const limits = resolveLimits(options.limits);
  if (typeof input !== "string" && (isPng(input) || isZip(input))) return fromCard(readCard(input, options));
  const text = typeof input === "string" ? input : decodeUtf8(input, "the lorebook file");
  return normalizeLorebook(parseJsonText(text, limits, "the lorebook JSON"));
}

/** Read a lorebook from a file (a PNG/CharX card's embedded book works too). */
export async function readLorebookFile(
  path: string,
  options: { limits?: Partial<ReadLimits> } = {},
): Promise<LoadedLorebook> {
  const limits = resolveLimits(options.limits);
  const head = new Uint8Array(8);
  if ((await fileSize(path)) >= 8) {
    const handle = await open(path, "r");
    try {
      await handle.read(head, 0, 8, 0);
    } finally {
      await handle.close();
    }
  }
  // PNG goes through the chunk-by-chunk reader, which refuses an oversized chunk before reading it.
  if (isPng(head)) return fromCard(await readCardFile(path, options));
  return readLorebook(await readBoundedFile(path, limits), options);
}

function asLoaded(book: Lorebook | LoadedLorebook): { book: Lorebook; added: ReadonlySet<string>; fromV3: boolean } {
  if ("book" in book && "source" in book) {
    const loaded = book as LoadedLorebook;
    return { book: loaded.book, added: new Set(loaded.addedDefaults), fromV3: loaded.source.format === "lorebook_v3" };
  }
  return { book: book as Lorebook, added: new Set(), fromV3: true };
}

/**
 * The book as a JSON object in the given format, losing nothing: data one format has no field for travels under
 * `extensions.sillytavern_extra` (in V2/V3) or `v3_extra` (in World Info), and comes back out on the way back.
 */
export function convertLorebook(input: Lorebook | LoadedLorebook, format: LorebookFormat): Record<string, unknown> {
  const { book, added, fromV3 } = asLoaded(input);
  if (format === "sillytavern") return structuredClone(v3BookToSt(book).file);
  // A V3 book written as V2 leaves out `use_regex: false`, V3's default (as a card's V2 export does).
  if (format === "character_book") return structuredClone(bookToSpecJson(book, "v2", added, "", false, fromV3));
  const data = bookToSpecJson(book, "v3", added, "", false);
  const extensions = { ...(data["extensions"] as Record<string, unknown>) };
  const wrapper = isRecord(extensions[WRAPPER_EXTRA]) ? (extensions[WRAPPER_EXTRA] as Record<string, unknown>) : {};
  delete extensions[WRAPPER_EXTRA];
  return structuredClone({ spec: "lorebook_v3", data: { ...data, extensions }, ...wrapper });
}

/** The book as JSON text in the given format (World Info is indented with 4 spaces, as SillyTavern writes it). */
export function writeLorebook(book: Lorebook | LoadedLorebook, format: LorebookFormat): string {
  return `${JSON.stringify(convertLorebook(book, format), null, format === "sillytavern" ? 4 : 2)}\n`;
}
