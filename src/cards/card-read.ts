import { open, stat } from "node:fs/promises";
import { CardError } from "./card-error.ts";
import { normalizeCard } from "./card-normalize.ts";
import { cardFromPngChunks, readPngCard } from "./card-png.ts";
import type { LoadedCard } from "./card-schema.ts";
import { isZip, readCharx } from "./charx.ts";
import { decodeUtf8, parseJsonText } from "./json-guard.ts";
import { isPng } from "./png-chunks.ts";
import { readPngFile } from "./png-file.ts";
import { type ReadLimits, resolveLimits } from "./read-limits.ts";

/** Options for reading cards and lorebooks. */
export interface ReadOptions {
  limits?: Partial<ReadLimits>;
}

function tooLarge(size: number, limits: ReadLimits): CardError {
  return new CardError("card.file_too_large", `file is ${size} bytes, over the ${limits.maxFileBytes}-byte limit`, {
    hint: "Real cards are a few MiB at most; check that this is the right file.",
  });
}

/** Read a card from bytes: JSON (V1/V2/V3), PNG/APNG (`ccv3` preferred over `chara`) or CharX (zip). */
export function readCard(bytes: Uint8Array, options: ReadOptions = {}): LoadedCard {
  const limits = resolveLimits(options.limits);
  if (bytes.length > limits.maxFileBytes) throw tooLarge(bytes.length, limits);
  if (isPng(bytes)) {
    const payload = readPngCard(bytes, limits);
    const loaded = normalizeCard(payload.json, "png");
    loaded.source.chunk = payload.chunk;
    loaded.image = bytes;
    loaded.warnings.unshift(...payload.warnings);
    return loaded;
  }
  if (isZip(bytes)) {
    const { json, files } = readCharx(bytes, limits);
    const loaded = normalizeCard(json, "charx");
    loaded.files = files;
    return loaded;
  }
  const text = decodeUtf8(bytes, "the card file");
  if (!/^\s*[{[]/.test(text)) {
    throw new CardError("card.unknown_format", "not a character card: neither PNG, CharX (zip) nor JSON", {
      hint: "troupe reads cards as .png (with a chara/ccv3 chunk), .json and .charx files.",
    });
  }
  return normalizeCard(parseJsonText(text, limits, "the card JSON"), "json");
}

/** Read the bytes of a file, refusing it by size before reading. PNG is handled by readCardFile itself. */
export async function readBoundedFile(path: string, limits: ReadLimits): Promise<Uint8Array> {
  const size = await fileSize(path);
  if (size > limits.maxFileBytes) throw tooLarge(size, limits);
  const handle = await open(path, "r");
  try {
    return new Uint8Array(await handle.readFile());
  } finally {
    await handle.close();
  }
}

/** The size of a file, with a clear error when it does not exist or is not a file. */
export async function fileSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new CardError("card.not_a_file", `${path} is not a file`, { hint: "Pass a file path." });
    return info.size;
  } catch (error) {
    if (error instanceof CardError) throw error;
    throw new CardError("card.file_unreadable", `cannot read ${path}: ${(error as Error).message}`, {
      hint: "Check the path and its permissions.",
      cause: error,
    });
  }
}

/** Read a card from a file; PNG chunks are read one by one so an oversized chunk is refused before it is read. */
export async function readCardFile(path: string, options: ReadOptions = {}): Promise<LoadedCard> {
  const limits = resolveLimits(options.limits);
  const size = await fileSize(path);
  if (size > limits.maxFileBytes) throw tooLarge(size, limits);
  const handle = await open(path, "r");
  let head: Uint8Array;
  try {
    head = new Uint8Array(8);
    await handle.read(head, 0, 8, 0);
    if (isPng(head)) {
      const { chunks, bytes } = await readPngFile(handle, size, limits);
      const payload = cardFromPngChunks(chunks, limits);
      const loaded = normalizeCard(payload.json, "png");
      loaded.source.chunk = payload.chunk;
      loaded.image = bytes;
      loaded.warnings.unshift(...payload.warnings);
      return loaded;
    }
  } finally {
    await handle.close();
  }
  return readCard(await readBoundedFile(path, limits), options);
}
